import GridCore

extension WeightedConvolution {
    /// `conv(x, W ⊙ Φ) + b` on grids: `x` is `[B, Cin, x…]`, `W` is `[Cout, Cin/groups, k…]`
    /// (both rank `N = D + 2`), `b` has `Cout` values. Prepares a ``PreparedConvolution`` and runs
    /// its forward pass.
    /// - Parameters:
    ///   - input: `[B, Cin, x…]`.
    ///   - weight: `[Cout, Cin/groups, k…]`.
    ///   - bias: `Cout` values added to each output channel, or `nil`.
    /// - Returns: `[B, Cout, y…]` with `y_a = (x_a + low_a + high_a − dilation_a·(k_a − 1) − 1)/stride_a + 1`.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit, and
    ///   ``ConvolutionError/nonFinite(_:)`` when the input, weight or bias holds NaN or infinity.
    /// - Complexity: that of the convolution plus O(|W|).
    public func callAsFunction<let N: Int>(
        _ input: Grid<N>, weight: Grid<N>, bias: [Float]? = nil
    ) throws(ConvolutionError) -> Grid<N> {
        try Self.checkFinite(input: input, weight: weight, bias: bias)
        let plan = try prepared(input: input, weight: weight, biasCount: bias?.count)
        let output = input.withUnsafeBufferPointer { x in
            guard let bias else { return plan.forward(input: x, bias: nil) }
            return bias.withUnsafeBufferPointer { plan.forward(input: x, bias: $0) }
        }
        return try Self.grid(output, plan.outputShape)
    }

    /// The gradients of a loss with respect to input, weight, bias and density parameters, given
    /// the gradient with respect to the output of ``callAsFunction(_:weight:bias:)``.
    /// - Parameters:
    ///   - input: the forward input `[B, Cin, x…]`.
    ///   - weight: the weight `[Cout, Cin/groups, k…]`.
    ///   - gradOutput: `∂L/∂y`, with the forward output's shape.
    /// - Returns: `∂x` (always computed here), `∂W`, `∂b` and `∂θ`, row-major with the shapes of
    ///   `input`, `weight`, the bias and the density's parameters.
    /// - Throws: ``ConvolutionError`` as ``callAsFunction(_:weight:bias:)``, and
    ///   ``ConvolutionError/shapeMismatch(_:)`` or ``ConvolutionError/nonFinite(_:)`` when
    ///   `gradOutput` has the wrong shape or holds NaN or infinity.
    /// - Complexity: about twice the forward pass.
    public func gradients<let N: Int>(
        input: Grid<N>, weight: Grid<N>, gradOutput: Grid<N>
    ) throws(ConvolutionError) -> ConvolutionGradients {
        try Self.checkFinite(input: input, weight: weight, bias: nil)
        let plan = try prepared(input: input, weight: weight, biasCount: nil)
        guard gradOutput.dims == plan.outputShape else {
            throw .shapeMismatch("output gradient has shape \(gradOutput.dims), the output has \(plan.outputShape)")
        }
        guard gradOutput.isFinite else { throw .nonFinite("output gradient holds NaN or infinity") }
        return input.withUnsafeBufferPointer { x in
            gradOutput.withUnsafeBufferPointer { plan.backward(input: x, gradOutput: $0) }
        }
    }

    private func prepared<let N: Int>(
        input: Grid<N>, weight: Grid<N>, biasCount: Int?
    ) throws(ConvolutionError) -> PreparedConvolution {
        try PreparedConvolution(self, inputShape: input.dims, weight: weight.scalars, weightShape: weight.dims, biasCount: biasCount)
    }

    private static func checkFinite<let N: Int>(input: Grid<N>, weight: Grid<N>, bias: [Float]?) throws(ConvolutionError) {
        guard input.isFinite else { throw .nonFinite("input holds NaN or infinity") }
        guard weight.isFinite else { throw .nonFinite("weight holds NaN or infinity") }
        guard bias?.allSatisfy(\.isFinite) ?? true else { throw .nonFinite("bias holds NaN or infinity") }
    }

    private static func grid<let N: Int>(_ scalars: [Float], _ dims: [Int]) throws(ConvolutionError) -> Grid<N> {
        do { return try Grid<N>(dims: dims, scalars: scalars) } catch { throw .shapeMismatch(error.description) }
    }
}
