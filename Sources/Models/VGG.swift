import NeuralNetwork

/// VGG with batch norm, adapted to small images (CIFAR 32×32 RGB, MNIST-style 28×28 grey):
/// `features` (convolution, batch norm, ReLU; 2×2 max pooling at each `M`), then a linear
/// classifier on the flattened features, as in torchvision's `vgg*_bn` with a CIFAR head.
public final class VGG: Module {
    /// One entry of a VGG configuration.
    public enum Item: Sendable, Equatable {
        /// A convolution with this many output channels.
        case conv(Int)
        /// 2×2 max pooling (skipped once the maps are 1×1).
        case pool
    }

    /// VGG-11 (configuration A).
    public static let vgg11: [Item] = [.conv(64), .pool, .conv(128), .pool, .conv(256), .conv(256), .pool,
                                       .conv(512), .conv(512), .pool, .conv(512), .conv(512), .pool]
    /// VGG-16 (configuration D).
    public static let vgg16: [Item] = [.conv(64), .conv(64), .pool, .conv(128), .conv(128), .pool,
                                       .conv(256), .conv(256), .conv(256), .pool, .conv(512), .conv(512), .conv(512), .pool,
                                       .conv(512), .conv(512), .conv(512), .pool]
    /// A small VGG that trains in minutes on 28×28 images on two cores.
    public static let small: [Item] = [.conv(16), .pool, .conv(32), .pool, .conv(64), .pool]

    /// Convolution, batch-norm and pooling layers.
    public let features: Sequential
    /// The linear classifier.
    public let classifier: Linear
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A VGG for `inputChannels × inputSize × inputSize` images and `classes` classes, with
    /// `kernelSize × kernelSize` convolutions built by `factory` (standard or weighted).
    public init(_ configuration: [Item], inputChannels: Int, inputSize: Int, classes: Int, kernelSize: Int = 3,
                factory: ConvolutionFactory) {
        var layers: [any Module] = []
        var channels = inputChannels, size = inputSize
        for item in configuration {
            switch item {
            case .conv(let width):
                layers += [factory.make(channels, width, size: kernelSize), BatchNorm(channels: width), Function.relu]
                channels = width
            case .pool where size >= 2:
                layers.append(Pooling(.max, window: [2]))
                size /= 2
            case .pool:
                break
            }
        }
        features = Sequential(layers)
        classifier = Linear(inFeatures: channels * size * size, outFeatures: classes, weightStandardDeviation: 0.01,
                            seed: factory.seed())
    }

    /// Children: `features`, `classifier`.
    public var children: [(name: String, module: any Module)] { [("features", features), ("classifier", classifier)] }

    /// Logits `[B, classes]` of images `[B, C, H, W]`.
    public func forward(_ input: Variable) throws -> Variable {
        try classifier(try Function.flatten(try features(input)))
    }
}
