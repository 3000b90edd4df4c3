import Datasets
import NeuralNetwork

/// What a training run learns: its batches, loss and quality metric.
public protocol TrainingTask {
    /// Name of the metric, e.g. `accuracy (%)` or `PSNR (dB)`.
    var metricName: String { get }
    /// A metric that a trivial method reaches (noisy-input PSNR, chance accuracy), for context.
    var baseline: (name: String, value: Double)? { get }
    /// The number of training batches in an epoch.
    func trainingBatchCount(epoch: Int) -> Int
    /// A source of the training batches of an epoch: `batch(i)` depends only on the epoch and
    /// `i` (reproducible, and safe to call from another thread for prefetching).
    func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch
    /// A source of one rank's shares of the training batches of an epoch, for data-parallel
    /// training: `share(i)` is `Batch/share(_:of:)` of `trainingBatches(epoch:)(i)`, with the
    /// global batch's sample count. The default builds the whole batch and keeps the share.
    func trainingShares(epoch: Int, part: Int, of parts: Int) -> @Sendable (Int) -> (share: Batch, globalCount: Int)
    /// The fixed evaluation batches.
    func evaluationBatches() -> [Batch]
    /// The loss of a batch's output.
    func loss(_ output: Variable, _ batch: Batch) throws -> Variable
    /// The metric's sum over a batch's samples (its mean is the sum over all batches / samples).
    func metricSum(_ output: Tensor, _ batch: Batch) -> Double
    /// What a trained model needs besides its tensors (e.g. the input normalisation), stored in
    /// `model.safetensors`.
    var modelMetadata: [String: String] { get }
}

extension TrainingTask {
    /// Nothing by default.
    public var modelMetadata: [String: String] { [:] }
}

extension TrainingTask {
    /// Builds each whole training batch and keeps share `part` of `parts`.
    /// - Parameters:
    ///   - epoch: the epoch.
    ///   - part: the share (this rank).
    ///   - parts: the number of shares (ranks).
    /// - Returns: a source of the shares with their global batches' sample counts.
    public func trainingShares(epoch: Int, part: Int, of parts: Int) -> @Sendable (Int) -> (share: Batch, globalCount: Int) {
        let make = trainingBatches(epoch: epoch)
        return { index in
            let batch = make(index)
            return (batch.share(part, of: parts), batch.count)
        }
    }
}

/// Image classification: cross-entropy (optionally label-smoothed), accuracy in percent.
public struct ClassificationTask: TrainingTask {
    /// Training images.
    public let training: ClassificationDataset
    /// Evaluation images.
    public let evaluation: ClassificationDataset
    /// Batch size.
    public let batchSize: Int
    /// Seed of the shuffling and augmentation.
    public let seed: UInt64
    /// Random crops and flips in training.
    public let augment: Bool
    /// Label smoothing of the loss.
    public let labelSmoothing: Float
    /// The names of the classes in index order, when the data names them (stored with the model).
    public let classNames: [String]?

    /// A classification task.
    public init(training: ClassificationDataset, evaluation: ClassificationDataset, batchSize: Int, seed: UInt64,
                augment: Bool, labelSmoothing: Float = 0, classNames: [String]? = nil) {
        self.training = training
        self.evaluation = evaluation
        self.batchSize = batchSize
        self.seed = seed
        self.augment = augment
        self.labelSmoothing = labelSmoothing
        self.classNames = classNames
    }

    /// `accuracy (%)`.
    public var metricName: String { "accuracy (%)" }
    /// Chance level, `100/classes`.
    public var baseline: (name: String, value: Double)? { ("chance", 100 / Double(training.classes)) }

    /// Batches of the training set per epoch.
    public func trainingBatchCount(epoch: Int) -> Int { training.batchCount(size: batchSize) }

    /// Shuffled (and augmented) batches.
    public func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch {
        let order = training.order(seed: seed, epoch: epoch, shuffle: true)
        let (data, size, seed, augment) = (training, batchSize, seed, augment)
        return { data.batch($0, order: order, size: size, seed: seed, epoch: epoch, augment: augment) }
    }

    /// This rank's shares of the shuffled (and augmented) batches, built without the other shares' images.
    /// - Parameters:
    ///   - epoch: the epoch.
    ///   - part: the share (this rank).
    ///   - parts: the number of shares (ranks).
    /// - Returns: a source of the shares with their global batches' sample counts.
    public func trainingShares(epoch: Int, part: Int, of parts: Int) -> @Sendable (Int) -> (share: Batch, globalCount: Int) {
        let order = training.order(seed: seed, epoch: epoch, shuffle: true)
        let (data, size, seed, augment) = (training, batchSize, seed, augment)
        return { data.batchShare($0, part: part, of: parts, order: order, size: size, seed: seed, epoch: epoch, augment: augment) }
    }

    /// The evaluation set in file order.
    public func evaluationBatches() -> [Batch] {
        evaluation.batches(size: batchSize, seed: seed, epoch: 0, shuffle: false)
    }

    /// Cross-entropy against the labels.
    public func loss(_ output: Variable, _ batch: Batch) throws -> Variable {
        try Loss.crossEntropy(output, labels: batch.labels, smoothing: labelSmoothing)
    }

    /// The per-channel normalisation of the inputs (`mean`, `std`: JSON arrays), the class count,
    /// the sample shape (`imageShape`: channels, height, width — or channels, length — as a JSON
    /// array) and, when known, the class names (`classNames`: a JSON array), so that evaluation
    /// needs no training data and refuses samples of another size when it reads them.
    public var modelMetadata: [String: String] {
        var metadata = ["mean": "\(training.mean)", "std": "\(training.standardDeviation)", "classes": String(training.classes),
                        "imageShape": "\(Array(training.images.shape.dropFirst()))"]
        if let classNames, let names = try? JSONFiles.text(classNames, pretty: false) { metadata["classNames"] = names }
        return metadata
    }

    /// 100 × correct predictions.
    public func metricSum(_ output: Tensor, _ batch: Batch) -> Double {
        100 * Double(Metric.correct(output, labels: batch.labels))
    }
}

/// Denoising of patches of any rank (2-D images, 3-D volumes): mean squared error (or L1/PSNR
/// loss), PSNR in dB of each denoised patch.
public struct DenoisingTask: TrainingTask {
    /// The training loss.
    public enum LossKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
        /// Mean squared error.
        case mse
        /// Mean absolute error.
        case l1
        /// Negative PSNR.
        case psnr

        /// The name the command line and the files use.
        public var description: String { rawValue }
    }

    /// Training patches.
    public let training: any DenoisingPatchSource
    /// Evaluation patches (fixed noise).
    public let evaluation: [Batch]
    /// Batch size.
    public let batchSize: Int
    /// Training patches per epoch.
    public let patchesPerEpoch: Int
    /// Seed of patches and noise.
    public let seed: UInt64
    /// Which loss trains the model.
    public let lossKind: LossKind

    /// A denoising task with `evaluationPatches` fixed validation patches drawn from `validation`.
    public init(training: any DenoisingPatchSource, validation: any DenoisingPatchSource, batchSize: Int, patchesPerEpoch: Int,
                evaluationPatches: Int, seed: UInt64, loss: LossKind = .mse) {
        self.training = training
        self.evaluation = validation.validationBatches(size: batchSize, count: evaluationPatches, seed: seed)
        self.batchSize = batchSize
        self.patchesPerEpoch = patchesPerEpoch
        self.seed = seed
        self.lossKind = loss
    }

    /// `PSNR (dB)`.
    public var metricName: String { "PSNR (dB)" }

    /// The PSNR of the noisy input itself, computed exactly as the model's (same patches, values
    /// clipped to `[0, 1]`): a denoiser must beat it.
    public var baseline: (name: String, value: Double)? {
        let total = evaluation.reduce(0.0) { sum, batch in sum + Self.clippedPSNRSum(batch.input, batch) }
        return (Self.noisyInputName, total / Double(evaluation.reduce(0) { $0 + $1.count }))
    }

    /// The name of the noisy-input baseline, saying how it is computed.
    public static let noisyInputName = "noisy input (clipped to [0, 1])"

    /// Batches of patches per epoch.
    public func trainingBatchCount(epoch: Int) -> Int { (patchesPerEpoch + batchSize - 1) / batchSize }

    /// Random noisy patches.
    public func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch {
        let (data, size, count, seed) = (training, batchSize, patchesPerEpoch, seed)
        return { data.trainingBatch($0, size: size, count: count, seed: seed, epoch: epoch) }
    }

    /// The fixed validation patches.
    public func evaluationBatches() -> [Batch] { evaluation }

    /// The chosen loss against the clean patches.
    public func loss(_ output: Variable, _ batch: Batch) throws -> Variable {
        let target = Tensor(shape: batch.shape, scalars: batch.target)
        switch lossKind {
        case .mse: return try Loss.meanSquaredError(output, target: target)
        case .l1: return try Loss.meanAbsoluteError(output, target: target)
        case .psnr: return try Loss.psnr(output, target: target)
        }
    }

    /// The sum of per-patch PSNRs (outputs clipped to [0, 1], as when saving an image).
    public func metricSum(_ output: Tensor, _ batch: Batch) -> Double {
        Self.clippedPSNRSum(output.scalars, batch)
    }

    /// The sum over a batch's samples of the PSNR of `values` (one sample after another, with the
    /// batch's shape) against the batch's clean targets, `values` clipped to `[0, 1]` first, as
    /// when an image is saved. The model's metric and the noisy-input baseline both use it.
    public static func clippedPSNRSum(_ values: [Float], _ batch: Batch) -> Double {
        let size = batch.input.count / batch.count
        return (0..<batch.count).reduce(0.0) { sum, i in
            let range = (i * size)..<((i + 1) * size)
            return sum + Metric.psnr(values[range].map { min(max($0, 0), 1) }, Array(batch.target[range]))
        }
    }
}
