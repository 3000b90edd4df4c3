import NeuralNetwork

/// DnCNN (Zhang et al. 2017): a plain stack of `depth` convolutions — the first with ReLU, the
/// middle ones with batch norm and ReLU, the last linear — that predicts the noise; the output
/// is the input minus that prediction (residual learning). The same network for any spatial rank:
/// images `[B, C, H, W]` (rank 2), volumes `[B, C, X, Y, Z]` (rank 3), series (rank 1).
public final class DnCNN: Module {
    /// The convolution stack.
    public let layers: Sequential
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// DnCNN with `depth` layers (17 by default) of `width` channels (64) and cubic kernels.
    /// - Parameters:
    ///   - channels: image channels (1 for grey, 3 for RGB), in and out.
    ///   - depth: convolution layers, first and last included.
    ///   - width: channels of the hidden layers.
    ///   - kernelSize: side of the kernels (the same on every axis).
    ///   - spatialRank: the number of spatial axes (2 for images, 3 for volumes).
    ///   - zeroLastLayer: start the noise predictor at 0 (the network starts as the
    ///     identity, at the noisy input's PSNR). With torchvision's Kaiming fan-out initialisation
    ///     (the default, as in the reference) the one-channel last layer starts with a large output.
    ///   - factory: makes the convolutions (standard or weighted) and draws their seeds.
    public init(channels: Int, depth: Int = 17, width: Int = 64, kernelSize: Int = 3, spatialRank: Int = 2,
                zeroLastLayer: Bool = false, factory: ConvolutionFactory) {
        precondition(depth >= 2, "DnCNN needs at least 2 layers")
        func convolution(_ from: Int, _ to: Int, bias: Bool) -> Convolution {
            factory.make(from, to, size: kernelSize, spatialRank: spatialRank, bias: bias)
        }
        var modules: [any Module] = [convolution(channels, width, bias: true), Function.relu]
        for _ in 0..<(depth - 2) {
            modules += [convolution(width, width, bias: false), BatchNorm(channels: width), Function.relu]
        }
        let last = convolution(width, channels, bias: false)
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
