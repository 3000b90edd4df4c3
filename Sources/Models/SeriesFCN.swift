import NeuralNetwork

/// The fully convolutional network (FCN) of Wang, Yan & Oates, "Time series classification from
/// scratch with deep neural networks: a strong baseline" (2017): three blocks of convolution,
/// batch norm and ReLU with 128, 256 and 128 filters, global average pooling over time, and a
/// linear layer to the class logits (the softmax is in the loss).
///
/// The paper's kernels are 8, 5 and 3 taps; here they are 7, 5 and 3 by default, odd so that
/// a kernel has a centre and a symmetric density applies (a density of `n` values weights the
/// layers whose kernels have `2n + 1` taps, as for every model of the ``ConvolutionFactory``).
/// The convolutions have no bias, since batch norm follows each one (the paper's Keras code keeps
/// one: 128 + 256 + 128 parameters more). Works for any spatial rank (series by default).
public final class SeriesFCN: Module {
    /// The three convolution blocks.
    public let blocks: Sequential
    let pool = GlobalAveragePooling(), fc: Linear
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// The FCN.
    /// - Parameters:
    ///   - inputChannels: channels (dimensions) of the series.
    ///   - classes: the number of classes.
    ///   - widths: filters of the three blocks (the paper: 128, 256, 128).
    ///   - kernelSizes: taps of the three blocks' kernels (the paper: 8, 5, 3).
    ///   - spatialRank: 1 for series.
    ///   - factory: makes the convolutions (standard or weighted) and draws their seeds.
    public init(inputChannels: Int, classes: Int, widths: [Int] = [128, 256, 128], kernelSizes: [Int] = [7, 5, 3],
                spatialRank: Int = 1, factory: ConvolutionFactory) {
        precondition(widths.count == kernelSizes.count && !widths.isEmpty, "one kernel size per block")
        var modules: [any Module] = []
        for (index, (width, size)) in zip(widths, kernelSizes).enumerated() {
            let from = index == 0 ? inputChannels : widths[index - 1]
            modules += [factory.make(from, width, size: size, spatialRank: spatialRank, bias: false),
                        BatchNorm(channels: width), Function.relu]
        }
        blocks = Sequential(modules)
        fc = Linear(inFeatures: widths.last!, outFeatures: classes, seed: factory.seed())
    }

    /// A small FCN: three blocks of 16, 32 and 32 filters, all with kernels of `kernelSize` taps
    /// (a quick model for small problems and tests).
    public static func small(inputChannels: Int, classes: Int, kernelSize: Int = 7, factory: ConvolutionFactory) -> SeriesFCN {
        SeriesFCN(inputChannels: inputChannels, classes: classes, widths: [16, 32, 32],
                  kernelSizes: [kernelSize, kernelSize, kernelSize], factory: factory)
    }

    /// Children: `blocks`, `fc`.
    public var children: [(name: String, module: any Module)] { [("blocks", blocks), ("fc", fc)] }

    /// Logits `[B, classes]` of series `[B, channels, length]`.
    public func forward(_ input: Variable) throws -> Variable {
        try fc(try Function.flatten(try pool(try blocks(input))))
    }
}
