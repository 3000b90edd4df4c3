/// The weighted convolution `y = conv(x, W ⊙ Φ) + b`: an ordinary convolution whose kernel is
/// the weight multiplied element-wise by a density `Φ` over kernel offsets.
///
/// Nothing here is special-cased for weighting: the forward pass folds `Φ` into the kernel once
/// (O(|W|)) and calls ``ConvolutionOperator``; the backward pass follows by the chain rule,
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
    /// - Throws: ``ConvolutionError`` when the density does not fit the kernel.
    public func kernel(weight: UnsafeBufferPointer<Float>, weightShape: [Int]) throws(ConvolutionError) -> [Float] {
        let phi = try validatedPhi(weight: weight, weightShape: weightShape)
        return [Float](unsafeUninitializedCapacity: weight.count) { kernel, count in
            if density.isUniform {
                _ = kernel.initialize(from: weight)
            } else {
                DensityFold.fold(weight: weight, phi: phi, into: kernel)
            }
            count = weight.count
        }
    }

    /// The forward pass on rank-erased buffers.
    /// - Parameters:
    ///   - input: `[B, Cin, x…]`, row-major.
    ///   - inputShape: the shape of `input`.
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major.
    ///   - weightShape: the shape of `weight`.
    ///   - bias: `Cout` values or `nil`.
    ///   - kernel: `W ⊙ Φ` from ``kernel(weight:weightShape:)`` when the caller keeps it for the
    ///     backward pass too (one fold per step instead of two); computed when `nil`.
    /// - Returns: the output values and shape `[B, Cout, y…]`.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit.
    /// - Complexity: that of the convolution plus O(|W|).
    public func forward(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weight: UnsafeBufferPointer<Float>, weightShape: [Int],
        bias: UnsafeBufferPointer<Float>?, kernel: UnsafeBufferPointer<Float>? = nil
    ) throws(ConvolutionError) -> (output: [Float], shape: [Int]) {
        let op = try prepare(input: input, inputShape: inputShape, weightShape: weightShape, biasCount: bias?.count)
        let shape = op.geometry.outputShape
        let output = try withKernel(weight: weight, weightShape: weightShape, given: kernel) { kernel in
            [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { buffer, count in
                op.forward(input: input, kernel: kernel, bias: bias, output: buffer)
                count = buffer.count
            }
        }
        return (output, shape)
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
    ///   - kernel: `W ⊙ Φ` from ``kernel(weight:weightShape:)``, or `nil` to compute it.
    /// - Throws: ``ConvolutionError`` for shapes, options or a density that do not fit.
    public func backward(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weight: UnsafeBufferPointer<Float>, weightShape: [Int],
        gradOutput: UnsafeBufferPointer<Float>, computeInputGradient: Bool = true, kernel: UnsafeBufferPointer<Float>? = nil
    ) throws(ConvolutionError) -> WeightedConvolutionGradients {
        let op = try prepare(input: input, inputShape: inputShape, weightShape: weightShape, biasCount: nil)
        guard gradOutput.count == op.geometry.outputShape.reduce(1, *) else {
            throw .shapeMismatch("output gradient has \(gradOutput.count) values, output \(op.geometry.outputShape) needs \(op.geometry.outputShape.reduce(1, *))")
        }
        let kernelSize = Self.kernelSize(weightShape)
        let phi = try density.values(kernelSize: kernelSize)
        var gradInput: [Float]? = computeInputGradient ? [Float](repeating: 0, count: input.count) : nil
        var gradWeight = [Float](repeating: 0, count: weight.count)
        var gradBias = [Float](repeating: 0, count: op.geometry.outChannels)
        try withKernel(weight: weight, weightShape: weightShape, given: kernel) { kernel in
            gradWeight.withUnsafeMutableBufferPointer { gk in
                gradBias.withUnsafeMutableBufferPointer { gb in
                    if gradInput != nil {
                        gradInput!.withUnsafeMutableBufferPointer { gi in
                            op.backward(input: input, kernel: kernel, gradOutput: gradOutput,
                                        gradInput: gi, gradKernel: gk, gradBias: gb)
                        }
                    } else {
                        op.backward(input: input, kernel: kernel, gradOutput: gradOutput,
                                    gradInput: nil, gradKernel: gk, gradBias: gb)
                    }
                }
            }
        }
        guard !density.isUniform else {
            return WeightedConvolutionGradients(input: gradInput, weight: gradWeight, bias: gradBias, density: [])
        }
        // ∂K → ∂W in place, and ∂Φ.
        let gradPhi = gradWeight.withUnsafeMutableBufferPointer { DensityFold.unfold(gradient: $0, weight: weight, phi: phi) }
        let gradDensity = try density.parameterGradient(kernelSize: kernelSize, gradPhi: gradPhi.map { Float($0) })
        return WeightedConvolutionGradients(input: gradInput, weight: gradWeight, bias: gradBias, density: gradDensity)
    }

    /// Calls `body` with the effective kernel: the weights themselves for the uniform density,
    /// else `given` or `W ⊙ Φ` in a temporary buffer.
    private func withKernel<R>(
        weight: UnsafeBufferPointer<Float>, weightShape: [Int], given: UnsafeBufferPointer<Float>?,
        _ body: (UnsafeBufferPointer<Float>) -> R
    ) throws(ConvolutionError) -> R {
        if density.isUniform || given != nil {
            _ = try validatedPhi(weight: weight, weightShape: weightShape)
            guard let given, !density.isUniform else { return body(weight) }
            guard given.count == weight.count else {
                throw .shapeMismatch("kernel has \(given.count) values, the weights \(weight.count)")
            }
            return body(given)
        }
        return try kernel(weight: weight, weightShape: weightShape).withUnsafeBufferPointer(body)
    }

    /// Φ sampled on the kernel grid, after checking that the density and the weight count fit `weightShape`.
    private func validatedPhi(weight: UnsafeBufferPointer<Float>, weightShape: [Int]) throws(ConvolutionError) -> [Float] {
        let phi = try density.values(kernelSize: Self.kernelSize(weightShape))
        guard weight.count == weightShape.reduce(1, *) else {
            throw .shapeMismatch("weight has \(weight.count) values, shape \(weightShape) needs \(weightShape.reduce(1, *))")
        }
        return phi
    }

    private func prepare(
        input: UnsafeBufferPointer<Float>, inputShape: [Int], weightShape: [Int], biasCount: Int?
    ) throws(ConvolutionError) -> ConvolutionOperator {
        guard input.count == inputShape.reduce(1, *) else {
            throw .shapeMismatch("input has \(input.count) values, shape \(inputShape) needs \(inputShape.reduce(1, *))")
        }
        let op = try ConvolutionOperator(inputShape: inputShape, kernelShape: weightShape, options: options)
        if let biasCount, biasCount != op.geometry.outChannels {
            throw .shapeMismatch("bias has \(biasCount) values, the layer has \(op.geometry.outChannels) output channels")
        }
        return op
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
