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
    public init(channels: Int, depth: Int = 17, width: Int = 64, kernelSize: Int = 3, factory: ConvolutionFactory) {
        precondition(depth >= 2, "DnCNN needs at least 2 layers")
        var modules: [any Module] = [factory.make(channels, width, size: kernelSize), Function.relu]
        for _ in 0..<(depth - 2) {
            modules += [factory.make(width, width, size: kernelSize, bias: false), BatchNorm(channels: width), Function.relu]
        }
        modules.append(factory.make(width, channels, size: kernelSize, bias: false))
        layers = Sequential(modules)
    }

    /// Children: `dncnn` (the stack).
    public var children: [(name: String, module: any Module)] { [("dncnn", layers)] }

    /// The denoised image `x − noise(x)`.
    public func forward(_ noisy: Variable) throws -> Variable {
        try subtract(noisy, try layers(noisy))
    }
}
