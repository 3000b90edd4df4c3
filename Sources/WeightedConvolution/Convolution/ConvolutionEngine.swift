/// One algorithm for the zero-padded convolution of a resolved geometry, forward and backward.
///
/// Engines see only zero padding (``ConvolutionGeometry/padLow``/``ConvolutionGeometry/padHigh``)
/// and no bias: ``ConvolutionOperator`` pads explicitly for the other padding modes and adds
/// the bias. Buffers are row-major with the shapes of the geometry:
/// input `[B, Cin, x…]`, kernel `[Cout, Cin/g, k…]`, output `[B, Cout, y…]`.
/// Engines are cross-correlations, as in deep learning: `y[b,o,p] = Σ x[b,i,p·s + q·d − low] k[o,i,q]`.
package protocol ConvolutionEngine: Sendable {
    /// The geometry this engine was prepared for (its `paddingMode` is ignored).
    var geometry: ConvolutionGeometry { get }

    /// The bytes this engine keeps between calls (offset tables, prepared sub-engines), which
    /// the planner's cache counts against ``ConvolutionMemory/engineCacheLimit``.
    var retainedBytes: Int { get }

    /// Writes the convolution of `input` with `kernel` into `output` (overwriting it).
    func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>,
        output: UnsafeMutableBufferPointer<Float>)

    /// Writes the gradients with respect to the input and the kernel (overwriting them); a `nil`
    /// destination is not computed.
    func backward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>,
        gradOutput: UnsafeBufferPointer<Float>,
        gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?)
}
