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
    /// The density form (its parameters live in ``density``).
    public let densityForm: Density
    /// Stride, padding, dilation, groups, padding mode, method.
    public let options: ConvolutionOptions
    /// Training or evaluation behaviour (no effect on convolution).
    public var isTraining = true

    /// A convolution with Kaiming-normal (fan-out, ReLU) weights and zero bias.
    /// - Parameters:
    ///   - inChannels, outChannels: channel counts (divisible by `options.groups`).
    ///   - kernelSize: per spatial axis.
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
        self.densityForm = density ?? .uniform
        self.density = density.map {
            Parameter(name: "density", value: Tensor(shape: [$0.parameters.count], scalars: $0.parameters),
                      group: .densities, trainable: trainableDensity)
        }
        self.options = options
    }

    /// Own parameters: weight, bias, density (those that exist).
    public var ownParameters: [Parameter] { [weight] + [bias, density].compactMap { $0 } }

    /// The current density (its parameters read from ``density``).
    public var currentDensity: Density {
        var current = densityForm
        if let density { current.parameters = density.value.scalars }
        return current
    }

    /// Convolves `[B, in, x…]` into `[B, out, y…]`.
    public func forward(_ x: Variable) throws -> Variable {
        let conv = WeightedConvolution(density: currentDensity, options: options)
        let weight = self.weight, bias = self.bias, density = self.density
        // W ⊙ Φ, folded once and kept for the backward pass (nil: the weights themselves).
        let kernel = conv.density.isUniform ? nil
            : try weight.value.scalars.withUnsafeBufferPointer { try conv.kernel(weight: $0, weightShape: weight.shape) }
        let (output, shape) = try x.value.scalars.withUnsafeBufferPointer { input in
            try weight.value.scalars.withUnsafeBufferPointer { w in
                try (bias?.value.scalars ?? []).withUnsafeBufferPointer { b in
                    try (kernel ?? []).withUnsafeBufferPointer { k in
                        try conv.forward(input: input, inputShape: x.shape, weight: w, weightShape: weight.shape,
                                         bias: bias == nil ? nil : b, kernel: kernel == nil ? nil : k)
                    }
                }
            }
        }
        let parents = [x, weight] + [bias, density].compactMap { $0 }
        return Variable(Tensor(shape: shape, scalars: output), parents: parents) { y in
            let gradients = try? x.value.scalars.withUnsafeBufferPointer { input in
                try weight.value.scalars.withUnsafeBufferPointer { w in
                    try y.grad!.withUnsafeBufferPointer { g in
                        try (kernel ?? []).withUnsafeBufferPointer { k in
                            try conv.backward(input: input, inputShape: x.shape, weight: w, weightShape: weight.shape,
                                              gradOutput: g, computeInputGradient: x.requiresGrad, kernel: kernel == nil ? nil : k)
                        }
                    }
                }
            }
            // The forward pass validated every shape, so the backward pass cannot fail.
            guard let gradients else { preconditionFailure("convolution backward failed after a valid forward") }
            if let gx = gradients.input { x.accumulate(gx) }
            weight.accumulate(gradients.weight)
            bias?.accumulate(gradients.bias)
            density?.accumulate(gradients.density)
        }
    }
}
