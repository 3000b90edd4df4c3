import GridCore

extension Grid {
    /// The convolution (deep-learning cross-correlation) of this grid with `kernel`, plus `bias`.
    ///
    /// This grid is `[B, Cin, x₁ … x_D]` and `kernel` is `[Cout, Cin/groups, k₁ … k_D]`, so
    /// `N = D + 2` (a 2-D convolution works on `Grid<4>`):
    /// `y[b,o,p] = bias[o] + Σ_{c,q} x̃[b, g(o)·Cin/groups + c, p·stride + q·dilation − low]·k[o,c,q]`,
    /// where `x̃` is the input extended by `options.paddingMode`.
    ///
    /// ```swift
    /// let y = try x.convolved(with: w, bias: b, options: .init(padding: .same))
    /// ```
    /// - Parameters:
    ///   - kernel: `[Cout, Cin/groups, k…]`.
    ///   - bias: `Cout` values added to each output channel, or `nil`.
    ///   - options: stride, padding, dilation, groups, padding mode and method.
    /// - Returns: `[B, Cout, y…]` with `y_a = (x_a + low_a + high_a − dilation_a·(k_a − 1) − 1)/stride_a + 1`.
    /// - Throws: ``ConvolutionError/shapeMismatch(_:)`` or ``ConvolutionError/invalidArgument(_:)``
    ///   when shapes and options do not fit together (rank, channels, bias length, a kernel larger
    ///   than the padded input, …); ``ConvolutionError/nonFinite(_:)`` when the input, kernel or
    ///   bias holds NaN or infinity.
    /// - Complexity: `O(B·Cout·(Cin/groups)·∏k·∏y)` with the direct method.
    public func convolved(
        with kernel: Grid<N>, bias: [Float]? = nil, options: ConvolutionOptions = .init()
    ) throws(ConvolutionError) -> Grid<N> {
        let op = try ConvolutionOperator(inputShape: dims, kernelShape: kernel.dims, options: options)
        if let bias, bias.count != op.geometry.outChannels {
            throw .shapeMismatch("bias has \(bias.count) values, the kernel has \(op.geometry.outChannels) output channels")
        }
        try Self.checkFinite(self, "input")
        try Self.checkFinite(kernel, "kernel")
        guard bias?.allSatisfy(\.isFinite) ?? true else { throw .nonFinite("bias holds NaN or infinity") }
        var output = Self.zeros(op.geometry.outputShape)
        withUnsafeBufferPointer { x in
            kernel.withUnsafeBufferPointer { k in
                output.withUnsafeMutableBufferPointer { y in
                    if let bias {
                        bias.withUnsafeBufferPointer { op.forward(input: x, kernel: k, bias: $0, output: y) }
                    } else {
                        op.forward(input: x, kernel: k, bias: nil, output: y)
                    }
                }
            }
        }
        return output
    }

    /// The gradients of a loss with respect to this grid (the input), the kernel and the bias of
    /// ``convolved(with:bias:options:)``, given the gradient with respect to its output.
    ///
    /// The input gradient is the transposed convolution of `gradOutput` with `kernel` (folded
    /// back through the padding mode), the kernel gradient the correlation of the input with
    /// `gradOutput` summed over the batch, and the bias gradient `gradOutput` summed over all axes
    /// but the channel axis.
    /// - Parameters:
    ///   - kernel: `[Cout, Cin/groups, k…]`, as in the forward pass.
    ///   - gradOutput: `∂L/∂y`, with the forward output's shape `[B, Cout, y…]`.
    ///   - options: the forward pass's options.
    /// - Returns: `∂L/∂x` (this grid's shape), `∂L/∂k` (the kernel's shape), `∂L/∂bias` (`Cout` values).
    /// - Throws: ``ConvolutionError`` as ``convolved(with:bias:options:)`` does, and
    ///   ``ConvolutionError/shapeMismatch(_:)`` when `gradOutput` does not have the output's shape
    ///   or ``ConvolutionError/nonFinite(_:)`` when it holds NaN or infinity.
    /// - Complexity: about twice the forward pass.
    public func convolutionGradients(
        kernel: Grid<N>, gradOutput: Grid<N>, options: ConvolutionOptions = .init()
    ) throws(ConvolutionError) -> (input: Grid<N>, kernel: Grid<N>, bias: [Float]) {
        let op = try ConvolutionOperator(inputShape: dims, kernelShape: kernel.dims, options: options)
        guard gradOutput.dims == op.geometry.outputShape else {
            throw .shapeMismatch("output gradient has shape \(gradOutput.dims), the output has \(op.geometry.outputShape)")
        }
        try Self.checkFinite(self, "input")
        try Self.checkFinite(kernel, "kernel")
        try Self.checkFinite(gradOutput, "output gradient")
        var gradInput = Self.zeros(dims)
        var gradKernel = Self.zeros(kernel.dims)
        var gradBias = [Float](repeating: 0, count: op.geometry.outChannels)
        withUnsafeBufferPointer { x in
            kernel.withUnsafeBufferPointer { k in
                gradOutput.withUnsafeBufferPointer { gy in
                    gradInput.withUnsafeMutableBufferPointer { gx in
                        gradKernel.withUnsafeMutableBufferPointer { gk in
                            gradBias.withUnsafeMutableBufferPointer { gb in
                                op.backward(input: x, kernel: k, gradOutput: gy, gradInput: gx, gradKernel: gk, gradBias: gb)
                            }
                        }
                    }
                }
            }
        }
        return (gradInput, gradKernel, gradBias)
    }

    private static func checkFinite(_ grid: Grid<N>, _ name: String) throws(ConvolutionError) {
        guard grid.isFinite else { throw .nonFinite("\(name) \(grid.dims) holds NaN or infinity") }
    }

    /// A zero grid of `dims` (which come from a validated geometry, so always fit rank `N`).
    private static func zeros(_ dims: [Int]) -> Grid<N> {
        Grid(shape: InlineArray<N, Int> { dims[$0] })
    }
}
