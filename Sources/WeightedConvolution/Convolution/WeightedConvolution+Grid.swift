import GridCore

extension WeightedConvolution {
    /// `conv(x, W ⊙ Φ) + b` on grids: `x` is `[B, Cin, x…]`, `W` is `[Cout, Cin/groups, k…]`
    /// (both rank `N = D + 2`), `b` has `Cout` values.
    /// - Returns: `[B, Cout, y…]` with `y_a = (x_a + pads_a − dilation_a·(k_a−1) − 1)/stride_a + 1`.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit, and
    ///   ``ConvolutionError/nonFinite(_:)`` when the input, weight or bias holds NaN or infinity.
    public func callAsFunction<let N: Int>(
        _ input: Grid<N>, weight: Grid<N>, bias: [Float]? = nil
    ) throws(ConvolutionError) -> Grid<N> {
        try Self.checkFinite(input: input, weight: weight, bias: bias)
        let result = try input.withUnsafeBufferPointer { x throws(ConvolutionError) in
            try weight.withUnsafeBufferPointer { w throws(ConvolutionError) in
                try Self.withOptionalBuffer(bias) { b throws(ConvolutionError) in
                    try forward(input: x, inputShape: input.dims, weight: w, weightShape: weight.dims, bias: b)
                }
            }
        }
        return try Self.grid(result.output, result.shape)
    }

    /// The gradients of a loss with respect to input, weight, bias and density parameters.
    /// - Parameters:
    ///   - input: the forward input `[B, Cin, x…]`.
    ///   - weight: the weight `[Cout, Cin/groups, k…]`.
    ///   - gradOutput: `∂L/∂y`, with the forward output's shape.
    /// - Throws: ``ConvolutionError`` as ``callAsFunction(_:weight:bias:)``, and
    ///   ``ConvolutionError/shapeMismatch(_:)`` when `gradOutput` has the wrong shape.
    public func gradients<let N: Int>(
        input: Grid<N>, weight: Grid<N>, gradOutput: Grid<N>
    ) throws(ConvolutionError) -> (input: Grid<N>, weight: Grid<N>, bias: [Float], density: [Float]) {
        try Self.checkFinite(input: input, weight: weight, bias: nil)
        let expected = try ConvolutionGeometry(inputShape: input.dims, kernelShape: weight.dims, options: options).outputShape
        guard gradOutput.dims == expected else {
            throw .shapeMismatch("output gradient has shape \(gradOutput.dims), the output has \(expected)")
        }
        guard gradOutput.isFinite else { throw .nonFinite("output gradient holds NaN or infinity") }
        let g = try input.withUnsafeBufferPointer { x throws(ConvolutionError) in
            try weight.withUnsafeBufferPointer { w throws(ConvolutionError) in
                try gradOutput.withUnsafeBufferPointer { gy throws(ConvolutionError) in
                    try backward(input: x, inputShape: input.dims, weight: w, weightShape: weight.dims, gradOutput: gy)
                }
            }
        }
        return (try Self.grid(g.input ?? [], input.dims), try Self.grid(g.weight, weight.dims), g.bias, g.density)
    }

    private static func checkFinite<let N: Int>(input: Grid<N>, weight: Grid<N>, bias: [Float]?) throws(ConvolutionError) {
        guard input.isFinite else { throw .nonFinite("input holds NaN or infinity") }
        guard weight.isFinite else { throw .nonFinite("weight holds NaN or infinity") }
        guard bias?.allSatisfy(\.isFinite) ?? true else { throw .nonFinite("bias holds NaN or infinity") }
    }

    private static func withOptionalBuffer<R>(
        _ values: [Float]?, _ body: (UnsafeBufferPointer<Float>?) throws(ConvolutionError) -> R
    ) throws(ConvolutionError) -> R {
        guard let values else { return try body(nil) }
        return try values.withUnsafeBufferPointer { buffer throws(ConvolutionError) in try body(buffer) }
    }

    private static func grid<let N: Int>(_ scalars: [Float], _ dims: [Int]) throws(ConvolutionError) -> Grid<N> {
        do { return try Grid<N>(dims: dims, scalars: scalars) } catch { throw .shapeMismatch(error.description) }
    }
}
