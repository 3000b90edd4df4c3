import NeuralNetwork

/// The basic residual block: two convolutions with batch norm, and a 1×1 projection with batch
/// norm on the shortcut when the shape changes.
public final class BasicBlock: Module {
    let conv1: Convolution, bn1: BatchNorm, conv2: Convolution, bn2: BatchNorm
    let shortcut: Sequential?
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A block from `inChannels` to `outChannels` with the given stride.
    public init(_ inChannels: Int, _ outChannels: Int, stride: Int, kernelSize: Int, factory: ConvolutionFactory) {
        conv1 = factory.make(inChannels, outChannels, size: kernelSize, stride: stride, bias: false)
        bn1 = BatchNorm(channels: outChannels)
        conv2 = factory.make(outChannels, outChannels, size: kernelSize, bias: false)
        bn2 = BatchNorm(channels: outChannels)
        shortcut = stride != 1 || inChannels != outChannels
            ? Sequential([factory.make(inChannels, outChannels, size: 1, stride: stride, padding: 0, bias: false),
                          BatchNorm(channels: outChannels)])
            : nil
    }

    /// Children named as in torchvision (`conv1`, `bn1`, …, `downsample`).
    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (shortcut.map { [("downsample", $0)] } ?? [])
    }

    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
    public func forward(_ x: Variable) throws -> Variable {
        let y = try bn2(try conv2(try bn1.forward(try conv1(x), rectified: true)))
        return relu(try add(y, try shortcut?(x) ?? x))
    }
}

/// ResNet for small images with the CIFAR stem (3×3 convolution, no max pooling): ResNet-18
/// (`[2, 2, 2, 2]` blocks, widths 64–512) and ResNet-20 (`[3, 3, 3]`, widths 16–64).
public final class ResNet: Module {
    let stem: Sequential, stages: Sequential, pool = GlobalAveragePooling(), fc: Linear
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// ResNet-18 for CIFAR.
    public static func resnet18(inputChannels: Int, classes: Int, kernelSize: Int = 3, factory: ConvolutionFactory) -> ResNet {
        ResNet(blocks: [2, 2, 2, 2], widths: [64, 128, 256, 512], inputChannels: inputChannels, classes: classes,
               kernelSize: kernelSize, factory: factory)
    }

    /// ResNet-20 (He et al., CIFAR), with projection shortcuts.
    public static func resnet20(inputChannels: Int, classes: Int, kernelSize: Int = 3, factory: ConvolutionFactory) -> ResNet {
        ResNet(blocks: [3, 3, 3], widths: [16, 32, 64], inputChannels: inputChannels, classes: classes,
               kernelSize: kernelSize, factory: factory)
    }

    /// A ResNet with `blocks[i]` blocks of width `widths[i]` per stage (stride 2 from stage 2 on).
    public init(blocks: [Int], widths: [Int], inputChannels: Int, classes: Int, kernelSize: Int, factory: ConvolutionFactory) {
        stem = Sequential([factory.make(inputChannels, widths[0], size: kernelSize, bias: false),
                           BatchNorm(channels: widths[0]), Function.relu])
        var layers: [any Module] = []
        var channels = widths[0]
        for (stage, (count, width)) in zip(blocks, widths).enumerated() {
            layers.append(Sequential((0..<count).map { index in
                defer { channels = width }
                return BasicBlock(channels, width, stride: stage > 0 && index == 0 ? 2 : 1, kernelSize: kernelSize, factory: factory)
            }))
        }
        stages = Sequential(layers)
        fc = Linear(inFeatures: channels, outFeatures: classes, seed: factory.seed())
    }

    /// Children: `stem`, `layers`, `fc`.
    public var children: [(name: String, module: any Module)] { [("stem", stem), ("layers", stages), ("fc", fc)] }

    /// Logits `[B, classes]`.
    public func forward(_ input: Variable) throws -> Variable {
        try fc(try Function.flatten(try pool(try stages(try stem(input)))))
    }
}
