import NeuralNetwork

/// DnCNN (Zhang et al. 2017): a plain stack of `depth` convolutions — the first with ReLU, the
/// middle ones with batch norm and ReLU, the last linear — that predicts the noise; the output
/// is the input minus that prediction (residual learning).
public final class DnCNN: Module {
    /// The convolution stack.
    public let layers: Sequential
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// DnCNN with `depth` layers (17 by default) of `width` channels (64) and square kernels.
    /// - Parameters:
    ///   - channels: image channels (1 for grey, 3 for RGB), in and out.
    ///   - depth: convolution layers, first and last included.
    ///   - width: channels of the hidden layers.
    ///   - kernelSize: side of the square kernels.
    ///   - zeroLastLayer: start the noise predictor at 0 (the network starts as the
    ///     identity, at the noisy input's PSNR). With torchvision's Kaiming fan-out initialisation
    ///     (the default, as in the reference) the one-channel last layer starts with a large output.
    ///   - factory: makes the convolutions (standard or weighted) and draws their seeds.
    public init(channels: Int, depth: Int = 17, width: Int = 64, kernelSize: Int = 3, zeroLastLayer: Bool = false,
                factory: ConvolutionFactory) {
        precondition(depth >= 2, "DnCNN needs at least 2 layers")
        var modules: [any Module] = [factory.make(channels, width, size: kernelSize), Function.relu]
        for _ in 0..<(depth - 2) {
            modules += [factory.make(width, width, size: kernelSize, bias: false), BatchNorm(channels: width), Function.relu]
        }
        let last = factory.make(width, channels, size: kernelSize, bias: false)
        if zeroLastLayer { last.weight.assign([Float](repeating: 0, count: last.weight.value.count)) }
        modules.append(last)
        layers = Sequential(modules)
    }

    /// Children: `dncnn` (the stack).
    public var children: [(name: String, module: any Module)] { [("dncnn", layers)] }

    /// The denoised image `x − noise(x)`.
    public func forward(_ noisy: Variable) throws -> Variable {
        try subtract(noisy, try layers(noisy))
    }
}
