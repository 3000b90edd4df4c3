import Datasets
import GridCore
import Training

/// A validation set carved from the training data, so densities are chosen without looking at
/// the test set: a seeded shuffle of the training images or series (classification, series),
/// photographs (denoising) or volumes (volume), the last `fraction` of it held out; a single
/// training volume is cut along its second axis instead, its last `fraction` held out.
public struct ValidationSplit: Codable, Sendable, Equatable {
    /// Share of the training data held out, in (0, 1).
    public var fraction: Double
    /// Seed of the shuffle that chooses the held-out samples.
    public var seed: UInt64

    /// A split.
    /// - Throws: ``TuningError`` for a fraction outside (0, 1).
    public init(fraction: Double, seed: UInt64) throws(TuningError) {
        guard fraction > 0, fraction < 1 else { throw TuningError("the validation fraction must be in (0, 1), got \(fraction)") }
        self.fraction = fraction
        self.seed = seed
    }

    /// The experiment's task with the held-out part of its training data as evaluation data
    /// (the test data is not used).
    /// - Parameters:
    ///   - experiment: the experiment (its batch size, patches and loss are kept).
    ///   - seed: the run's seed (batches, noise).
    /// - Returns: the task, and its input channels, image side and classes for the model.
    /// - Throws: data errors, or ``TuningError`` when the training data is too small to split.
    public func task(of experiment: Experiment, seed: UInt64) throws -> (task: any TrainingTask, channels: Int, size: Int, classes: Int) {
        let (full, channels, size, classes) = try experiment.makeTask(seed: seed)
        if let task = full as? ClassificationTask {
            let order = task.training.order(seed: self.seed, epoch: 0, shuffle: true)
            let (kept, held) = try parts(order)
            let training = Self.gather(task.training.images, kept), validation = Self.gather(task.training.images, held)
            let (mean, deviation) = ClassificationDataset.statistics(of: training)
            let split = ClassificationTask(
                training: ClassificationDataset(images: training, classes: classes, mean: mean, standardDeviation: deviation),
                evaluation: ClassificationDataset(images: validation, classes: classes, mean: mean, standardDeviation: deviation),
                batchSize: task.batchSize, seed: task.seed, augment: task.augment, labelSmoothing: task.labelSmoothing,
                classNames: task.classNames)
            return (split, channels, size, classes)
        }
        guard let task = full as? DenoisingTask else { throw TuningError("no validation split for the \(experiment.task) task") }
        let (training, validation) = try denoisingParts(task.training)
        let split = DenoisingTask(training: training, validation: validation, batchSize: task.batchSize, patchesPerEpoch: task.patchesPerEpoch,
                                  evaluationPatches: experiment.evaluationPatches, seed: task.seed, loss: task.lossKind)
        return (split, channels, size, classes)
    }

    /// The training patches of a denoising task split into training and validation sources.
    private func denoisingParts(_ source: any DenoisingPatchSource) throws -> (any DenoisingPatchSource, any DenoisingPatchSource) {
        var generator = SeededGenerator(seed: seed)
        if let photos = source as? DenoisingDataset {
            let (kept, held) = try parts(Array(photos.images.indices).shuffled(using: &generator))
            return (try DenoisingDataset(images: kept.map { photos.images[$0] }, patchSize: photos.patchSize, sigma: photos.sigma),
                    try DenoisingDataset(images: held.map { photos.images[$0] }, patchSize: photos.patchSize, sigma: photos.sigma))
        }
        guard let volumes = source as? VolumePatches else { throw TuningError("no validation split for these patches") }
        if volumes.volumes.count == 1 {
            let (kept, held) = try VolumePatches.split(volumes.volumes[0], axis: 1, validationFraction: fraction)
            return (try VolumePatches(volumes: [kept], patchSize: volumes.patchSize, sigma: volumes.sigma),
                    try VolumePatches(volumes: [held], patchSize: volumes.patchSize, sigma: volumes.sigma))
        }
        let (kept, held) = try parts(Array(volumes.volumes.indices).shuffled(using: &generator))
        return (try VolumePatches(volumes: kept.map { volumes.volumes[$0] }, patchSize: volumes.patchSize, sigma: volumes.sigma),
                try VolumePatches(volumes: held.map { volumes.volumes[$0] }, patchSize: volumes.patchSize, sigma: volumes.sigma))
    }

    /// A human statement of the split, e.g. for the report.
    public func describe(task: TaskKind) -> String {
        String(format: "validation: %.0f %% of the training %@ held out (seeded shuffle, seed %llu%@); the test set is used only for the final runs",
               100 * fraction, task.samples, seed, task == .volume ? "; a single volume: its last part along y" : "")
    }

    private func parts(_ order: [Int]) throws(TuningError) -> (kept: [Int], held: [Int]) {
        let held = Int((Double(order.count) * fraction).rounded())
        guard held >= 1, held < order.count else {
            throw TuningError("cannot hold out \(fraction) of \(order.count) training samples for validation (need at least one on each side)")
        }
        return (Array(order.dropLast(held)), Array(order.suffix(held)))
    }

    private static func gather(_ images: LabelledImages, _ indices: [Int]) -> LabelledImages {
        let size = images.shape[1...].reduce(1, *)
        var pixels: [Float] = []
        pixels.reserveCapacity(indices.count * size)
        for i in indices { pixels += images.pixels[(i * size)..<((i + 1) * size)] }
        return LabelledImages(shape: [indices.count] + images.shape[1...], pixels: pixels, labels: indices.map { images.labels[$0] })
    }
}
