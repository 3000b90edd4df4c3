/// TEMPORARY placeholder: to be replaced by im2col + BLAS GEMM.
struct DirectConvolution: ConvolutionEngine {
    let geometry: ConvolutionGeometry
    func forward(input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) {
        preconditionFailure("not yet")
    }
    func backward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>,
        gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?
    ) { preconditionFailure("not yet") }
}
