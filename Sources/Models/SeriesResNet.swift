import NeuralNetwork

/// The residual block of ``SeriesResNet``: three convolutions with batch norm (ReLU after the
/// first two), added to the shortcut, then ReLU. The shortcut is a 1-tap projection with batch
/// norm when the channel count changes, else batch norm alone (as in the paper's code).
public final class SeriesResidualBlock: Module {
    let convolutions: [Convolution], norms: [BatchNorm]
    let shortcut: Sequential
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A block from `inChannels` to `outChannels` with one convolution per kernel size.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSizes: [Int], spatialRank: Int, factory: ConvolutionFactory) {
        convolutions = kernelSizes.enumerated().map { index, size in
            factory.make(index == 0 ? inChannels : outChannels, outChannels, size: size, spatialRank: spatialRank, bias: false)
        }
        norms = kernelSizes.map { _ in BatchNorm(channels: outChannels) }
        shortcut = inChannels != outChannels
            ? Sequential([factory.make(inChannels, outChannels, size: 1, spatialRank: spatialRank, padding: 0, bias: false),
                          BatchNorm(channels: outChannels)])
            : Sequential([BatchNorm(channels: outChannels)])
    }

    /// Children: `conv1`, `bn1`, `conv2`, `bn2`, …, `shortcut`.
    public var children: [(name: String, module: any Module)] {
        zip(convolutions, norms).enumerated().flatMap { index, pair -> [(name: String, module: any Module)] in
            [("conv\(index + 1)", pair.0), ("bn\(index + 1)", pair.1)]
        } + [("shortcut", shortcut)]
    }

    /// `relu(bn₃(conv₃(relu(bn₂(conv₂(relu(bn₁(conv₁(x)))))))) + shortcut(x))`.
    public func forward(_ x: Variable) throws -> Variable {
        var y = x
        for (index, (convolution, norm)) in zip(convolutions, norms).enumerated() {
            y = try norm.forward(try convolution(y), rectified: index < convolutions.count - 1)
        }
        return relu(try add(y, try shortcut(x)))
    }
}

/// The residual network of Wang, Yan & Oates, "Time series classification from scratch with deep
/// neural networks: a strong baseline" (2017): three residual blocks of 64, 128 and 128 filters,
/// each of three convolutions (kernels of 8, 5 and 3 taps in the paper; 7, 5 and 3 here by
/// default, odd so that densities apply), global average pooling and a linear layer to the logits.
/// The convolutions have no bias, since batch norm follows each one. Works for any spatial rank.
public final class SeriesResNet: Module {
    let stages: Sequential, pool = GlobalAveragePooling(), fc: Linear
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// The ResNet.
    /// - Parameters:
    ///   - inputChannels: channels (dimensions) of the series.
    ///   - classes: the number of classes.
    ///   - widths: filters of the blocks (the paper: 64, 128, 128).
    ///   - kernelSizes: taps of the three convolutions of every block (the paper: 8, 5, 3).
    ///   - spatialRank: 1 for series.
    ///   - factory: makes the convolutions (standard or weighted) and draws their seeds.
    public init(inputChannels: Int, classes: Int, widths: [Int] = [64, 128, 128], kernelSizes: [Int] = [7, 5, 3],
                spatialRank: Int = 1, factory: ConvolutionFactory) {
        precondition(!widths.isEmpty && !kernelSizes.isEmpty, "a block and a kernel at least")
        stages = Sequential(widths.enumerated().map { index, width in
            SeriesResidualBlock(index == 0 ? inputChannels : widths[index - 1], width, kernelSizes: kernelSizes,
                                spatialRank: spatialRank, factory: factory)
        })
        fc = Linear(inFeatures: widths.last!, outFeatures: classes, seed: factory.seed())
    }

    /// Children: `blocks`, `fc`.
    public var children: [(name: String, module: any Module)] { [("blocks", stages), ("fc", fc)] }

    /// Logits `[B, classes]` of series `[B, channels, length]`.
    public func forward(_ input: Variable) throws -> Variable {
        try fc(try Function.flatten(try pool(try stages(input))))
    }
}
