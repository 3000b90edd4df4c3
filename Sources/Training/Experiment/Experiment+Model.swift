import Models
import NeuralNetwork
import WeightedConvolution

extension Experiment {
    /// The model for data of `channels` channels, samples of side `size` (the image side of a
    /// classification VGG; unused by the other models) and `classes` classes, built with standard
    /// or weighted convolutions from `seed`. The task's spatial rank chooses the DnCNN's: 2-D for
    /// denoising, 3-D for volumes.
    /// - Throws: ``TrainingError`` for a model that does not serve the task.
    public func makeModel(kind: ConvolutionKind, seed: UInt64, channels: Int, size: Int, classes: Int) throws(TrainingError) -> any Module {
        guard model.tasks.contains(task) else {
            throw TrainingError("model \(model) does not do \(task) (\(task): \(ModelKind.names(for: task)))")
        }
        let factory = ConvolutionFactory(kind: kind, seed: seed, method: convolutionMethod ?? .auto)
        switch model {
        case .vggSmall:
            return VGG(VGG.small, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case .vgg11:
            return VGG(VGG.vgg11, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case .vgg16:
            return VGG(VGG.vgg16, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case .resnet20:
            return ResNet.resnet20(inputChannels: channels, classes: classes, kernelSize: kernelSize, factory: factory)
        case .resnet18:
            return ResNet.resnet18(inputChannels: channels, classes: classes, kernelSize: kernelSize, factory: factory)
        case .dncnn:
            return DnCNN(channels: channels, depth: depth, width: width, kernelSize: kernelSize, spatialRank: task.spatialRank,
                         zeroLastLayer: zeroLastLayer, factory: factory)
        case .nafnet:
            return NAFNet(channels: channels, width: nafWidth, encoderBlocks: [nafBlocks, nafBlocks], middleBlocks: nafBlocks,
                          decoderBlocks: [nafBlocks, nafBlocks], kernelSize: kernelSize, factory: factory)
        case .seriesSmall:
            return SeriesFCN.small(inputChannels: channels, classes: classes, kernelSize: kernelSize, factory: factory)
        case .fcn:
            return SeriesFCN(inputChannels: channels, classes: classes, kernelSizes: Self.seriesKernels(kernelSize), factory: factory)
        case .seriesResnet:
            return SeriesResNet(inputChannels: channels, classes: classes, kernelSizes: Self.seriesKernels(kernelSize), factory: factory)
        }
    }

    /// The three kernel sizes of the series networks of Wang, Yan & Oates: `k`, `k − 2`, `k − 4`
    /// (7, 5, 3 for the default 7), none below 1, so the density of a `k`-tap kernel weights the first blocks.
    static func seriesKernels(_ k: Int) -> [Int] { [k, max(1, k - 2), max(1, k - 4)] }

    /// A whole-image denoiser for this experiment's `model`: tiles with as much context as a
    /// DnCNN's receptive-field radius (`depth·⌊k/2⌋`, so tiling changes nothing), 32 pixels for
    /// NAFNet (whose channel attention sees only the tile).
    public func denoiser(model: any Module) -> Denoiser {
        Denoiser(model: model, overlap: self.model == .dncnn ? depth * (kernelSize / 2) : 32)
    }
}
