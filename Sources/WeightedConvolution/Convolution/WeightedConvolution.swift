import GridCore

/// The weighted convolution `y = conv(x, W ⊙ Φ) + b`: an ordinary convolution whose kernel is
/// the weight multiplied element-wise by a density `Φ` over kernel offsets.
///
/// Nothing here is special-cased for weighting: the forward pass folds `Φ` into the kernel once
/// (O(|W|), see ``PreparedConvolution``) and runs an ordinary convolution; the backward pass follows by the chain rule,
/// `∂W = ∂K ⊙ Φ`, `∂Φ[q] = Σ_{o,i} ∂K[o,i,q]·W[o,i,q]`, `∂θ = ∂Φ/∂θ · ∂Φ`.
///
/// ```swift
/// let conv = WeightedConvolution(density: .symmetric([0.25, 0.15, 0.55]),
///                                options: .init(padding: .same))
/// let y = try conv(x, weight: w, bias: b)          // x: Grid<4> [B, C, H, W], w: [O, C, 7, 7]
/// ```
public struct WeightedConvolution: Sendable {
    /// The density `Φ` (``Density/uniform`` for an ordinary convolution).
    public var density: Density
    /// Stride, padding, dilation, groups, padding mode and method.
    public var options: ConvolutionOptions

    /// A weighted convolution with the given density and options.
    public init(density: Density = .uniform, options: ConvolutionOptions = .init()) {
        self.density = density
        self.options = options
    }

    /// The effective kernel `W ⊙ Φ` (`Φ` broadcast over the output and input channel axes).
    /// - Parameters:
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major.
    ///   - weightShape: the shape of `weight`.
    /// - Returns: `W ⊙ Φ`, the shape of `weight`.
    /// - Throws: ``ConvolutionError`` when the density does not fit the kernel.
    public func kernel(weight: UnsafeBufferPointer<Float>, weightShape: [Int]) throws(ConvolutionError) -> [Float] {
        let phi = try density.values(kernelSize: Self.kernelSize(weightShape))
        guard weight.count == weightShape.reduce(1, *) else {
            throw .shapeMismatch("weight has \(weight.count) values, shape \(weightShape) needs \(weightShape.reduce(1, *))")
        }
        guard !density.isUniform else { return Array(weight) }
        return .filled(weight.count) { DensityFold.fold(weight: weight, phi: phi, into: $0) }
    }

    /// The forward pass on rank-erased buffers (one ``PreparedConvolution`` made and run; a layer
    /// that also runs the backward pass keeps the plan instead).
    /// - Parameters:
    ///   - input: `[B, Cin, x…]`, row-major.
    ///   - inputShape: the shape of `input`.
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major.
    ///   - weightShape: the shape of `weight`.
    ///   - bias: `Cout` values or `nil`.
    /// - Returns: the output values and shape `[B, Cout, y…]`.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit.
    /// - Complexity: that of the convolution plus O(|W|).
    public func forward(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weight: UnsafeBufferPointer<Float>, weightShape: [Int],
        bias: UnsafeBufferPointer<Float>?
    ) throws(ConvolutionError) -> (output: [Float], shape: [Int]) {
        let plan = try prepared(input: input, inputShape: inputShape, weight: weight, weightShape: weightShape, biasCount: bias?.count)
        return (plan.forward(input: input, bias: bias), plan.outputShape)
    }

    /// The backward pass on rank-erased buffers: gradients with respect to input, weight, bias
    /// and the density parameters, given `∂L/∂y`.
    /// - Parameters:
    ///   - input: `[B, Cin, x…]`, row-major, as in the forward pass.
    ///   - inputShape: the shape of `input`.
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major.
    ///   - weightShape: the shape of `weight`.
    ///   - gradOutput: `∂L/∂y`, the shape of the forward pass's output.
    ///   - computeInputGradient: `false` skips `∂x` (e.g. for a network's first layer).
    /// - Returns: the gradients.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit.
    public func backward(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weight: UnsafeBufferPointer<Float>, weightShape: [Int],
        gradOutput: UnsafeBufferPointer<Float>, computeInputGradient: Bool = true
    ) throws(ConvolutionError) -> WeightedConvolutionGradients {
        let plan = try prepared(input: input, inputShape: inputShape, weight: weight, weightShape: weightShape, biasCount: nil)
        guard gradOutput.count == plan.outputShape.reduce(1, *) else {
            throw .shapeMismatch("output gradient has \(gradOutput.count) values, output \(plan.outputShape) needs \(plan.outputShape.reduce(1, *))")
        }
        return plan.backward(input: input, gradOutput: gradOutput, computeInputGradient: computeInputGradient)
    }

    private func prepared(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weight: UnsafeBufferPointer<Float>, weightShape: [Int], biasCount: Int?
    ) throws(ConvolutionError) -> PreparedConvolution {
        guard input.count == inputShape.reduce(1, *) else {
            throw .shapeMismatch("input has \(input.count) values, shape \(inputShape) needs \(inputShape.reduce(1, *))")
        }
        return try PreparedConvolution(self, inputShape: inputShape, weight: Array(weight), weightShape: weightShape, biasCount: biasCount)
    }

    private static func kernelSize(_ weightShape: [Int]) -> [Int] { Array(weightShape.dropFirst(2)) }
}

/// The gradients of a weighted convolution.
public struct WeightedConvolutionGradients: Sendable {
    /// `∂L/∂x`, `[B, Cin, x…]`, or `nil` when not requested.
    public var input: [Float]?
    /// `∂L/∂W = ∂L/∂K ⊙ Φ`, `[Cout, Cin/groups, k…]`.
    public var weight: [Float]
    /// `∂L/∂b`, one value per output channel.
    public var bias: [Float]
    /// `∂L/∂θ`, one value per density parameter (empty for ``Density/uniform``).
    public var density: [Float]
}
