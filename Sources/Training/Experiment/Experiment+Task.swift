import Datasets
import Foundation

extension Experiment {
    /// The data of the experiment as a task (batches, loss, metric), plus the input channels,
    /// sample side and class count for building the model.
    /// - Parameters:
    ///   - seed: the seed of the data order, augmentation and noise.
    ///   - normalisation: for classification and series, the per-channel mean and standard
    ///     deviation a trained model was trained with (stored in its weights file): then only the
    ///     evaluation samples are read, and serve as both sets, unless `readsTraining`.
    ///   - trainedImageShape: for classification and series, the shape of one sample (`[channels,
    ///     height, width]`, `[channels, length]`) a trained model was trained on (stored in its
    ///     weights file), which the evaluation samples must have.
    ///   - readsTraining: with `normalisation`, read the training samples too (for recomputing
    ///     batch-norm statistics before an evaluation).
    /// - Throws: `DataError` for missing or corrupt files, an empty set, labels outside the
    ///   classes, or test samples of another shape than the training samples (or `trainedImageShape`);
    ///   ``TrainingError`` for a dataset that does not serve the task.
    public func makeTask(seed: UInt64, normalisation: (mean: [Float], std: [Float])? = nil, trainedImageShape: [Int]? = nil,
                         readsTraining: Bool = false)
        throws -> (task: any TrainingTask, channels: Int, size: Int, classes: Int) {
        switch task {
        case .classification, .series:
            return try makeLabelledTask(seed: seed, normalisation: normalisation, trainedImageShape: trainedImageShape,
                                        readsTraining: readsTraining)
        case .denoising, .volume:
            let (training, validation, channels) = try patchSources()
            let task = DenoisingTask(training: training, validation: validation, batchSize: batchSize, patchesPerEpoch: patchesPerEpoch,
                                     evaluationPatches: evaluationPatches, seed: seed, loss: loss)
            return (task, channels, patchSize, 0)
        }
    }

    /// A classification task (images or series) from the experiment's labelled samples.
    private func makeLabelledTask(seed: UInt64, normalisation: (mean: [Float], std: [Float])?, trainedImageShape: [Int]?,
                                  readsTraining: Bool) throws -> (task: any TrainingTask, channels: Int, size: Int, classes: Int) {
        var evaluation = try labelledSamples(training: false)
        if evaluationSubset > 0 { evaluation.images = evaluation.images.prefix(evaluationSubset) }
        let shape = { (images: LabelledImages) in Array(images.shape.dropFirst()) }
        let written = { (shape: [Int]) in shape.map(String.init).joined(separator: "×") }
        let axes = task == .series ? "channels×length" : "channels×height×width"
        if let trainedImageShape, shape(evaluation.images) != trainedImageShape {
            throw DataError(evaluation.source, "the test \(task.samples) are \(written(shape(evaluation.images))) (\(axes)), "
                            + "the model was trained on \(written(trainedImageShape))")
        }
        var training = evaluation
        if normalisation == nil || readsTraining {
            training = try labelledSamples(training: true)
            if trainingSubset > 0 { training.images = training.images.prefix(trainingSubset) }
            guard shape(evaluation.images) == shape(training.images) else {
                throw DataError(evaluation.source, "the test \(task.samples) are \(written(shape(evaluation.images))) (\(axes)), "
                                + "the training \(task.samples) of \(training.source) are \(written(shape(training.images))); the model takes one size")
            }
        }
        let (mean, std) = normalisation ?? ClassificationDataset.statistics(of: training.images)
        let channels = evaluation.images.shape[1]
        guard mean.count == channels, std.count == mean.count, std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw TrainingError("the stored normalisation (mean \(mean), std \(std)) does not fit \(channels)-channel \(task.samples)")
        }
        let classes = evaluation.classes
        let task = ClassificationTask(
            training: ClassificationDataset(images: training.images, classes: classes, mean: mean, standardDeviation: std),
            evaluation: ClassificationDataset(images: evaluation.images, classes: classes, mean: mean, standardDeviation: std),
            batchSize: batchSize, seed: seed, augment: augment, labelSmoothing: labelSmoothing, classNames: evaluation.names)
        return (task, channels, training.images.shape[2], classes)
    }
}
