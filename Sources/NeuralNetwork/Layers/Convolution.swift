import WeightedConvolution

/// A weighted convolution layer for any spatial rank: `y = conv(x, W ⊙ Φ) + b`.
///
/// With `density: nil` it is an ordinary convolution (the standard layer of the comparison);
/// otherwise `Φ` comes from the density, fixed or trainable. Parameters are named as in
/// PyTorch (`weight`, `bias`) plus `density` for the density parameters.
public final class Convolution: Module {
    /// `[out, in/groups, k…]`.
    public let weight: Parameter
    /// `[out]`, or `nil`.
    public let bias: Parameter?
    /// The density parameters (trainable or frozen), or `nil` for an ordinary convolution.
    public let density: Parameter?
    /// How the values of ``density`` map to `Φ` (the values themselves live only there).
    private let densityForm: Density.Form
    /// Stride, padding, dilation, groups, padding mode, method.
    public let options: ConvolutionOptions
    /// Training or evaluation behaviour (no effect on convolution).
    public var isTraining = true
    /// The algorithm that ran for each input shape `[B, in, x…]` seen so far (what `.auto` or
    /// `.measure` chose), so that a run can record its plan.
    public private(set) var methodsByInputShape: [[Int]: ConvolutionMethod] = [:]

    /// A convolution with Kaiming-normal (fan-out, ReLU) weights and zero bias.
    /// - Parameters:
    ///   - inChannels: input channels (divisible by `options.groups`).
    ///   - outChannels: output channels (divisible by `options.groups`).
    ///   - kernelSize: per spatial axis.
    ///   - options: stride, padding, dilation, groups, padding mode and method.
    ///   - density: `nil` for an ordinary convolution.
    ///   - trainableDensity: whether the optimiser updates the density.
    ///   - bias: whether the layer has a bias.
    ///   - seed: initialisation seed.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: [Int], options: ConvolutionOptions = .init(),
        density: Density? = nil, trainableDensity: Bool = false, bias: Bool = true, seed: UInt64
    ) {
        let shape = [outChannels, inChannels / options.groups] + kernelSize
        let fanOut = outChannels * kernelSize.reduce(1, *)
        weight = Parameter(name: "weight", value: Initialization.kaimingNormal(shape: shape, fan: fanOut, seed: seed), group: .weights)
        self.bias = bias ? Parameter(name: "bias", value: Tensor(shape: [outChannels]), group: .noDecay) : nil
        self.densityForm = (density ?? .uniform).form
        self.density = density.map {
            Parameter(name: "density", value: Tensor(shape: [$0.parameters.count], scalars: $0.parameters),
                      group: .densities, trainable: trainableDensity)
        }
        self.options = options
    }

    /// Own parameters: weight, bias, density (those that exist).
    public var ownParameters: [Parameter] { [weight] + [bias, density].compactMap { $0 } }

    /// The current density: the form, with its parameters read from ``density``.
    public var currentDensity: Density { Density(form: densityForm, parameters: density?.value.scalars ?? []) }

    /// Convolves `[B, in, x…]` into `[B, out, y…]`. One `PreparedConvolution` serves the forward
    /// and the backward pass: shapes validated, `Φ` sampled and `W ⊙ Φ` folded once per step.
    /// - Throws: `ConvolutionError` (`WeightedConvolution`) when the input does not fit the layer.
    public func forward(_ x: Variable) throws -> Variable {
        let plan = try PreparedConvolution(
            WeightedConvolution(density: currentDensity, options: options), inputShape: x.shape,
            weight: weight.value.scalars, weightShape: weight.shape, biasCount: bias?.value.count)
        if methodsByInputShape[x.shape] == nil { methodsByInputShape[x.shape] = plan.method }
        StepProfile.lap(density == nil ? "conv plan" : "conv plan and W ⊙ Φ fold", .forward)
        let output = x.value.scalars.withUnsafeBufferPointer { input in
            guard let bias = self.bias else { return plan.forward(input: input, bias: nil) }
            return bias.value.scalars.withUnsafeBufferPointer { plan.forward(input: input, bias: $0) }
        }
        let weight = self.weight, bias = self.bias, density = self.density
        let parents = [x, weight] + [bias, density].compactMap { $0 }
        return Variable(Tensor(shape: plan.outputShape, scalars: output), parents: parents,
                        operation: profileLabel(inputShape: x.shape)) { y in
            let gradients = x.value.scalars.withUnsafeBufferPointer { input in
                y.grad!.withUnsafeBufferPointer { plan.backward(input: input, gradOutput: $0, computeInputGradient: x.requiresGrad) }
            }
            if let gx = gradients.input { x.accumulate(gx) }
            weight.accumulate(gradients.weight)
            bias?.accumulate(gradients.bias)
            density?.accumulate(gradients.density)
        }
    }

    /// `conv 3×3 64→64 s2 on 32×32`: one ``StepProfile`` row per kind of layer, the same for the
    /// standard and the weighted layer (whose fold of `W ⊙ Φ` has a row of its own).
    private func profileLabel(inputShape: [Int]) -> String {
        let size = { (extents: ArraySlice<Int>) in extents.map(String.init).joined(separator: "×") }
        let stride = options.stride.allSatisfy { $0 == 1 } ? "" : " s" + size(options.stride[...])
        let groups = options.groups == 1 ? "" : " g\(options.groups)"
        return "conv \(size(weight.shape.dropFirst(2))) \(inputShape[1])→\(weight.shape[0])\(stride)\(groups) on \(size(inputShape.dropFirst(2)))"
    }
}
