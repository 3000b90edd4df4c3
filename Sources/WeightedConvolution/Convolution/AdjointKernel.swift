extension ConvolutionGeometry {
    /// Writes the kernel of the adjoint convolution (``DirectConvolution/adjointGeometry(of:)``),
    /// whose forward pass is this convolution's input gradient:
    /// `K'[g·Cin_g + c, o, q] = K[g·Cout_g + o, c, taps − 1 − q]` (channel axes swapped within each
    /// group, every spatial axis reversed).
    /// - Parameters:
    ///   - kernel: this convolution's kernel, `[Cout, Cin/g, k…]`.
    ///   - flipped: room for the adjoint kernel, `[Cin, Cout/g, k…]`.
    func writeAdjointKernel(_ kernel: UnsafePointer<Float>, into flipped: UnsafeMutablePointer<Float>) {
        let taps = kernelSize.reduce(1, *), outGroup = outChannels / groups, inGroup = inChannels / groups
        for g in 0..<groups {
            for o in 0..<outGroup {
                for c in 0..<inGroup {
                    let from = kernel + ((g * outGroup + o) * inGroup + c) * taps
                    let to = flipped + ((g * inGroup + c) * outGroup + o) * taps
                    for q in 0..<taps { to[q] = from[taps - 1 - q] }
                }
            }
        }
    }
}
