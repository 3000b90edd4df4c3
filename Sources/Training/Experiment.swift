import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import WeightedConvolution

/// Everything that defines a training experiment except the convolution kind: model, data,
/// kernel and density, batch and subset sizes. The same experiment built with `.standard` and
/// `.weighted` gives the two arms of a comparison (same seed ⇒ same initial weights and data).
public struct Experiment: Codable, Sendable, Equatable {
    /// `classification` or `denoising`; `volume` (a 3-D DnCNN) for denoising volumes.
    public var task = "classification"
    /// `vgg-small`, `vgg11`, `vgg16`, `resnet20`, `resnet18` (classification); `dncnn`, `nafnet` (denoising).
    public var model = "vgg-small"
    /// `fashion-mnist`, `mnist`, `cifar10`, `cifar100`, `cifar100-coarse`; `photos` (Debian nature
    /// photographs) or `folder` (PNG/JPEG folder, e.g. DIV2K) for denoising.
    public var dataset = "fashion-mnist"
    /// Where the dataset's files are (defaults: the Debian packages' folders).
    public var dataDirectory: String?
    /// Validation images for `folder` denoising (default: the last sixth of the training folder).
    public var validationDirectory: String?
    /// Side of the main square kernels.
    public var kernelSize = 7
    /// The density (outermost first) of the weighted arm; `kernelSize = 2·den.count + 1`.
    public var den: [Float] = [0.25, 0.15, 0.55]
    /// Whether the density is trained (with its own learning rate).
    public var trainableDensity = false
    /// Batch size.
    public var batchSize = 64
    /// Training images used (0: all).
    public var trainingSubset = 0
    /// Evaluation images used (0: all).
    public var evaluationSubset = 0
    /// Random crops and flips for classification.
    public var augment = false
    /// Label smoothing for classification.
    public var labelSmoothing: Float = 0
    /// Denoising: noise level on the 0–255 scale.
    public var sigma: Float = 25
    /// Denoising: patch side.
    public var patchSize = 40
    /// Denoising: training patches per epoch.
    public var patchesPerEpoch = 2048
    /// Denoising: fixed validation patches.
    public var evaluationPatches = 256
    /// Denoising: grey (1 channel) rather than RGB.
    public var grey = true
    /// Denoising: integer downscale of the photographs before cutting patches.
    public var downscale = 4
    /// Denoising: `mse`, `l1` or `psnr`.
    public var loss = "mse"
    /// DnCNN depth and width.
    public var depth = 17, width = 64
    /// DnCNN: start the last layer at zero (identity network) instead of Kaiming fan-out.
    public var zeroLastLayer = false
    /// NAFNet base width and blocks per level.
    public var nafWidth = 16, nafBlocks = 1
    /// The algorithm of every convolution: `nil` (not written, so older files and identities
    /// stay valid) for `.auto`; `.winograd` runs the layers it does not support on the direct path.
    public var convolutionMethod: ConvolutionMethod?

    /// An experiment with the defaults above.
    public init() {}

    /// Checks every size and value of the experiment before anything is built or read.
    /// - Throws: ``TrainingError`` naming the option when `kernelSize ≠ 2·den.count + 1`, a
    ///   density value is not finite, a count or size is out of its range (batch size, patch size,
    ///   DnCNN depth ≥ 2, widths, subsets ≥ 0, …), denoising patches that would not fit in memory,
    ///   or σ, label smoothing or the downscale factor is out of its domain.
    public func validate() throws(TrainingError) {
        guard kernelSize >= 1, kernelSize == 2 * den.count + 1 else {
            throw TrainingError("a density of \(den.count) values needs kernel size \(2 * den.count + 1), got --kernel-size \(kernelSize)")
        }
        guard den.allSatisfy(\.isFinite) else { throw TrainingError("--den values must be finite, got \(den)") }
        typealias L = ExperimentLimits
        let limits: [(String, Int, ClosedRange<Int>)] = [
            ("--batch-size", batchSize, L.batchSize), ("--train-subset", trainingSubset, L.subset),
            ("--test-subset", evaluationSubset, L.subset), ("--patch-size", patchSize, L.patchSize),
            ("--patches-per-epoch", patchesPerEpoch, L.patches), ("--eval-patches", evaluationPatches, L.patches),
            ("--downscale", downscale, L.downscale), ("--depth", depth, L.depth), ("--width", width, L.width),
            ("--naf-width", nafWidth, L.width), ("--naf-blocks", nafBlocks, L.nafBlocks),
        ]
        for (name, value, range) in limits where !range.contains(value) {
            throw TrainingError("\(name) must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
        if task == "denoising" {
            // The fixed validation patches and one batch are held in memory (noisy and clean).
            for (name, count) in [("--eval-patches", evaluationPatches), ("--batch-size", batchSize)] {
                guard let values = SizeLimits.product([count, grey ? 1 : 3, patchSize, patchSize, 2]),
                      SizeLimits.fitsInMemory(count: values, width: MemoryLayout<Float>.size) else {
                    throw TrainingError("\(name) \(count) of \(patchSize)² patches would need more than this machine's memory")
                }
            }
        }
        if model == "nafnet" && patchSize % 4 != 0 {
            throw TrainingError("NAFNet halves the patch twice: --patch-size must be a multiple of 4, got \(patchSize)")
        }
        guard sigma.isFinite, sigma > 0, sigma <= 255 else { throw TrainingError("--sigma must be in (0, 255], got \(sigma)") }
        guard convolutionMethod != .measure else {
            throw TrainingError("--method must be \(ConvolutionMethod.names(ConvolutionMethod.reproducible)) (measure times each layer and is not reproducible), got measure")
        }
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw TrainingError("--label-smoothing must be in [0, 1), got \(labelSmoothing)")
        }
    }

    /// The model for data of `channels` channels and `size × size` images (classification) with
    /// `classes` classes, built with standard or weighted convolutions from `seed`.
    /// - Throws: ``TrainingError`` for an unknown model or one that does not fit the task.
    public func makeModel(kind: ConvolutionKind, seed: UInt64, channels: Int, size: Int, classes: Int) throws(TrainingError) -> any Module {
        let factory = ConvolutionFactory(kind: kind, seed: seed, method: convolutionMethod ?? .auto)
        switch (task, model) {
        case ("classification", "vgg-small"):
            return VGG(VGG.small, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case ("classification", "vgg11"):
            return VGG(VGG.vgg11, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case ("classification", "vgg16"):
            return VGG(VGG.vgg16, inputChannels: channels, inputSize: size, classes: classes, kernelSize: kernelSize, factory: factory)
        case ("classification", "resnet20"):
            return ResNet.resnet20(inputChannels: channels, classes: classes, kernelSize: kernelSize, factory: factory)
        case ("classification", "resnet18"):
            return ResNet.resnet18(inputChannels: channels, classes: classes, kernelSize: kernelSize, factory: factory)
        case ("denoising", "dncnn"):
            return DnCNN(channels: channels, depth: depth, width: width, kernelSize: kernelSize, zeroLastLayer: zeroLastLayer,
                         factory: factory)
        case ("volume", "dncnn"):
            return DnCNN(channels: channels, depth: depth, width: width, kernelSize: kernelSize, spatialRank: 3,
                         zeroLastLayer: zeroLastLayer, factory: factory)
        case ("denoising", "nafnet"):
            return NAFNet(channels: channels, width: nafWidth, encoderBlocks: [nafBlocks, nafBlocks], middleBlocks: nafBlocks,
                          decoderBlocks: [nafBlocks, nafBlocks], kernelSize: kernelSize, factory: factory)
        default:
            throw TrainingError("model \(model) does not do \(task) (classification: vgg-small, vgg11, vgg16, resnet20, resnet18; denoising: dncnn, nafnet)")
        }
    }

    /// The experiment and the convolution kind (with its density) on one line: what identifies a run besides its
    /// ``TrainingSettings`` (see ``Trainer/identity``).
    public func identity(kind: ConvolutionKind) -> String {
        "\(kind) " + ((try? JSONFiles.text(self, pretty: false)) ?? "")
    }

    /// A whole-image denoiser for this experiment's `model`: tiles with as much context as a
    /// DnCNN's receptive-field radius (`depth·⌊k/2⌋`, so tiling changes nothing), 32 pixels for
    /// NAFNet (whose channel attention sees only the tile).
    public func denoiser(model: any Module) -> Denoiser {
        Denoiser(model: model, overlap: self.model == "dncnn" ? depth * (kernelSize / 2) : 32)
    }

    /// The data of the experiment as a task (batches, loss, metric), plus the input shape and
    /// class count for building the model.
    /// - Parameters:
    ///   - seed: the seed of the data order, augmentation and noise.
    ///   - normalisation: for classification, the per-channel mean and standard
    ///     deviation a trained model was trained with (stored in its weights file): then only the
    ///     evaluation images are read, and serve as both sets, unless `readsTraining`.
    ///   - trainedImageShape: for classification, the `[channels, height, width]` of the images a
    ///     trained model was trained on (stored in its weights file), which the evaluation
    ///     images must have.
    ///   - readsTraining: with `normalisation`, read the training images too (for recomputing
    ///     batch-norm statistics before an evaluation).
    /// - Throws: `DataError` for missing or corrupt files, an empty set, labels outside the
    ///   classes, or test images of another size than the training images (or `trainedImageShape`);
    ///   ``TrainingError`` for unknown names.
    public func makeTask(seed: UInt64, normalisation: (mean: [Float], std: [Float])? = nil, trainedImageShape: [Int]? = nil,
                         readsTraining: Bool = false)
        throws -> (task: any TrainingTask, channels: Int, size: Int, classes: Int) {
        switch task {
        case "classification":
            var (evaluation, classes, evaluationSource) = try loadClassification(training: false)
            if evaluationSubset > 0 { evaluation = evaluation.prefix(evaluationSubset) }
            let size = { (shape: [Int]) in shape.map(String.init).joined(separator: "×") }
            if let trainedImageShape, Array(evaluation.shape.dropFirst()) != trainedImageShape {
                throw DataError(evaluationSource, "the test images are \(size(Array(evaluation.shape.dropFirst()))) (channels×height×width), "
                                + "the model was trained on \(size(trainedImageShape))")
            }
            var training = evaluation
            if normalisation == nil || readsTraining {
                let source: String
                (training, _, source) = try loadClassification(training: true)
                if trainingSubset > 0 { training = training.prefix(trainingSubset) }
                guard evaluation.shape.dropFirst() == training.shape.dropFirst() else {
                    throw DataError(evaluationSource, "the test images are \(size(Array(evaluation.shape.dropFirst()))) (channels×height×width), "
                                    + "the training images of \(source) are \(size(Array(training.shape.dropFirst()))); the model takes one size")
                }
            }
            let (mean, std) = normalisation ?? ClassificationDataset.statistics(of: training)
            guard mean.count == evaluation.shape[1], std.count == mean.count, std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw TrainingError("the stored normalisation (mean \(mean), std \(std)) does not fit \(evaluation.shape[1])-channel images")
            }
            let task = ClassificationTask(
                training: ClassificationDataset(images: training, classes: classes, mean: mean, standardDeviation: std),
                evaluation: ClassificationDataset(images: evaluation, classes: classes, mean: mean, standardDeviation: std),
                batchSize: batchSize, seed: seed, augment: augment, labelSmoothing: labelSmoothing)
            return (task, training.shape[1], training.shape[2], classes)
        case "denoising":
            let (training, validation) = try loadDenoising()
            guard let lossKind = DenoisingTask.LossKind(rawValue: loss) else {
                throw TrainingError("unknown loss \(loss) (mse, l1, psnr)")
            }
            let task = DenoisingTask(
                training: try DenoisingDataset(images: training, patchSize: patchSize, sigma: sigma),
                validation: try DenoisingDataset(images: validation, patchSize: patchSize, sigma: sigma),
                batchSize: batchSize, patchesPerEpoch: patchesPerEpoch, evaluationPatches: evaluationPatches,
                seed: seed, loss: lossKind)
            return (task, training[0].channels, patchSize, 0)
        default:
            throw TrainingError("unknown task \(task) (classification, denoising)")
        }
    }

    /// The training or test images of a classification dataset, checked: not empty, labels
    /// within the classes; with the file (IDX) or folder (CIFAR) they came from.
    private func loadClassification(training: Bool) throws -> (images: LabelledImages, classes: Int, source: String) {
        let (images, classes, folder, source): (LabelledImages, Int, String, String)
        switch dataset {
        case "fashion-mnist", "mnist":
            folder = dataDirectory ?? (dataset == "fashion-mnist" ? "/usr/share/datasets/fashion-mnist" : "")
            guard !folder.isEmpty else { throw TrainingError("--data-dir is needed for \(dataset) (its IDX files)") }
            let prefix = training ? "train" : "t10k"
            let name = { (kind: String) in
                ["\(prefix)-\(kind)", "\(prefix)-\(kind).gz"].map { folder + "/" + $0 }
                    .first { FileManager.default.fileExists(atPath: $0) } ?? folder + "/\(prefix)-\(kind).gz"
            }
            source = name("images-idx3-ubyte")
            (images, classes) = (try IDX.read(images: source, labels: name("labels-idx1-ubyte")), 10)
        case "cifar10", "cifar100", "cifar100-coarse":
            guard let given = dataDirectory else { throw TrainingError("--data-dir is needed for \(dataset) (its binary files)") }
            let variant: CIFAR.Variant = dataset == "cifar10" ? .cifar10 : dataset == "cifar100" ? .cifar100Fine : .cifar100Coarse
            let files = CIFAR.files(variant, training: training)
            // The folder of the files, or the one the official tarball unpacks into it.
            let unpacked = given + (variant == .cifar10 ? "/cifar-10-batches-bin" : "/cifar-100-binary")
            folder = FileManager.default.fileExists(atPath: given + "/" + files[0]) || !FileManager.default.fileExists(atPath: unpacked)
                ? given : unpacked
            source = folder
            (images, classes) = (try CIFAR.read(files.map { folder + "/" + $0 }, variant: variant), variant.classes)
        default:
            throw TrainingError("unknown classification dataset \(dataset) (fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse)")
        }
        guard images.count > 0 else { throw DataError(folder, "the \(training ? "training" : "test") set of \(dataset) is empty") }
        try images.checkLabels(classes: classes, source: folder)
        return (images, classes, source)
    }

    private func loadDenoising() throws -> ([Image], [Image]) {
        switch dataset {
        case "photos", "folder":
            let folder = dataDirectory ?? (dataset == "photos" ? "/usr/share/backgrounds/mate/nature" : "")
            guard !folder.isEmpty else { throw TrainingError("--data-dir is needed for a folder of images") }
            let images = try DenoisingDataset.loadFolder(folder, grey: grey, downscale: downscale, patchSize: patchSize)
            if let validationDirectory {
                return (images, try DenoisingDataset.loadFolder(validationDirectory, grey: grey, downscale: downscale, patchSize: patchSize))
            }
            guard images.count >= 2 else { throw TrainingError("\(folder): need at least 2 images to hold one out for validation") }
            let held = max(1, images.count / 6)
            return (Array(images.dropLast(held)), Array(images.suffix(held)))
        default:
            throw TrainingError("unknown denoising dataset \(dataset) (photos, folder)")
        }
    }
}
