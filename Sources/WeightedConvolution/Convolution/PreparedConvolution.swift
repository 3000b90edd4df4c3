import GridCore

/// A weighted convolution prepared for one input shape and one weight: shapes and density
/// validated once, `Φ` sampled once and folded into the kernel once, the engine chosen once.
///
/// A network layer prepares one in its forward pass and keeps it for the backward pass, so a
/// training step validates, samples `Φ` and folds `W ⊙ Φ` once. Its passes do not throw: every
/// user-caused mismatch was found by ``init(_:inputShape:weight:weightShape:biasCount:)``; buffers
/// of other lengths are programmer errors (preconditions, on in every build).
///
/// ```swift
/// let plan = try PreparedConvolution(conv, inputShape: [8, 3, 32, 32], weight: w, weightShape: [16, 3, 3, 3])
/// let y = x.withUnsafeBufferPointer { plan.forward(input: $0, bias: nil) }
/// ```
public struct PreparedConvolution: Sendable {
    /// The output shape `[B, Cout, y…]`.
    public let outputShape: [Int]
    /// The density the plan was prepared with.
    public let density: Density
    private let operation: ConvolutionOperator
    private let weightShape: [Int]
    /// `Φ` on the kernel grid (empty for the uniform density).
    private let phi: [Float]
    /// `W` as given, and `W ⊙ Φ` (the same values for the uniform density).
    private let weight: [Float], kernel: [Float]

    /// Validates the shapes, options and density, samples `Φ`, folds it into the weights and
    /// chooses the engine.
    /// - Parameters:
    ///   - convolution: the density and options.
    ///   - inputShape: `[B, Cin, x…]`.
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major (copied).
    ///   - weightShape: the shape of `weight`.
    ///   - biasCount: the number of bias values the passes will get (`nil`: no bias).
    /// - Throws: ``ConvolutionError`` when the shapes, options, density or bias do not fit.
    /// - Complexity: O(|W|) plus the engine's preparation the first time a geometry is seen.
    public init(
        _ convolution: WeightedConvolution, inputShape: [Int], weight: [Float], weightShape: [Int], biasCount: Int? = nil
    ) throws(ConvolutionError) {
        let operation = try ConvolutionOperator(inputShape: inputShape, kernelShape: weightShape, options: convolution.options)
        if let biasCount, biasCount != operation.geometry.outChannels {
            throw .shapeMismatch("bias has \(biasCount) values, the layer has \(operation.geometry.outChannels) output channels")
        }
        guard weight.count == weightShape.reduce(1, *) else {
            throw .shapeMismatch("weight has \(weight.count) values, shape \(weightShape) needs \(weightShape.reduce(1, *))")
        }
        let density = convolution.density
        let phi = try density.values(kernelSize: Array(weightShape.dropFirst(2)))
        self.operation = operation
        self.outputShape = operation.geometry.outputShape
        self.density = density
        self.weightShape = weightShape
        self.weight = weight
        if density.isUniform {
            self.phi = []
            self.kernel = weight
        } else {
            self.phi = phi
            self.kernel = .filled(weight.count) { kernel in
                weight.withUnsafeBufferPointer { DensityFold.fold(weight: $0, phi: phi, into: kernel) }
            }
        }
    }

    /// The effective kernel `W ⊙ Φ`.
    public var effectiveKernel: [Float] { kernel }

    /// The algorithm that runs (`.direct`, `.fft`, `.overlap` or `.winograd`: what `.auto` or
    /// `.measure` chose for this geometry).
    public var method: ConvolutionMethod { operation.method }

    /// `conv(x, W ⊙ Φ) + b`.
    /// - Parameters:
    ///   - input: `[B, Cin, x…]` values of the prepared input shape.
    ///   - bias: `Cout` values, or `nil`.
    /// - Returns: the output, ``outputShape``.
    /// - Precondition: the buffers have the prepared lengths.
    public func forward(input: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?) -> [Float] {
        .filled(outputShape.reduce(1, *)) { output in
            kernel.withUnsafeBufferPointer { operation.forward(input: input, kernel: $0, bias: bias, output: output) }
        }
    }

    /// The gradients of a loss with respect to input, weight, bias and density parameters.
    /// - Parameters:
    ///   - input: the forward pass's input.
    ///   - gradOutput: `∂L/∂y`, ``outputShape``.
    ///   - computeInputGradient: `false` skips `∂x` (e.g. for a network's first layer).
    /// - Returns: `∂x` (or `nil`), `∂W`, `∂b` and `∂θ` (empty for the uniform density).
    /// - Precondition: the buffers have the prepared lengths.
    public func backward(
        input: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>, computeInputGradient: Bool = true
    ) -> ConvolutionGradients {
        // The operator overwrites every destination, so none is zero-filled first (that fill was
        // one more write of every layer's input gradient per step).
        var gradWeight: [Float] = [], gradBias: [Float] = []
        func run(_ gi: UnsafeMutableBufferPointer<Float>?) {
            gradWeight = .filled(weight.count) { gk in
                gradBias = .filled(operation.geometry.outChannels) { gb in
                    kernel.withUnsafeBufferPointer { kernel in
                        operation.backward(input: input, kernel: kernel, gradOutput: gradOutput, gradInput: gi, gradKernel: gk, gradBias: gb)
                    }
                }
            }
        }
        let gradInput: [Float]? = computeInputGradient ? .filled(input.count) { run($0) } : nil
        if !computeInputGradient { run(nil) }
        guard !density.isUniform else {
            return ConvolutionGradients(input: gradInput, weight: gradWeight, bias: gradBias, density: [])
        }
        // ∂K → ∂W in place, and ∂Φ; the density was validated for this kernel size.
        let gradPhi = weight.withUnsafeBufferPointer { w in
            gradWeight.withUnsafeMutableBufferPointer { DensityFold.unfold(gradient: $0, weight: w, phi: phi) }
        }
        let gradDensity: [Float]
        do {
            gradDensity = try density.parameterGradient(kernelSize: Array(weightShape.dropFirst(2)), gradPhi: gradPhi.map { Float($0) })
        } catch {
            preconditionFailure("the density validated by the plan no longer fits: \(error)")
        }
        return ConvolutionGradients(input: gradInput, weight: gradWeight, bias: gradBias, density: gradDensity)
    }
}
