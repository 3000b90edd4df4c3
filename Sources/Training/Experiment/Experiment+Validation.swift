import Datasets
import GridCore
import WeightedConvolution

extension Experiment {
    /// Checks every size and value of the experiment before anything is built or read.
    /// - Throws: ``TrainingError`` naming the option when `kernelSize ≠ 2·den.count + 1`, a
    ///   density value is not finite, a count or size is out of its range (batch size, patch size,
    ///   DnCNN depth ≥ 2, widths, subsets ≥ 0, image size, …), the model or dataset does not
    ///   serve the task, denoising patches would not fit in memory, or σ, label smoothing or the
    ///   downscale factor is out of its domain.
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
            ("--image-size", imageSize ?? TaskDefaults.imageSize, L.imageSize),
        ]
        for (name, value, range) in limits where !range.contains(value) {
            throw TrainingError("\(name) must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
        if task.denoises {
            // The fixed validation patches and one batch are held in memory (noisy and clean).
            let side = Array(repeating: patchSize, count: task.spatialRank)
            for (name, count) in [("--eval-patches", evaluationPatches), ("--batch-size", batchSize)] {
                guard let values = SizeLimits.product([count, grey || task == .volume ? 1 : 3, 2] + side),
                      SizeLimits.fitsInMemory(count: values, width: MemoryLayout<Float>.size) else {
                    throw TrainingError("\(name) \(count) of \(side.map(String.init).joined(separator: "×")) patches would need more than this machine's memory")
                }
            }
        }
        guard model.tasks.contains(task) else {
            throw TrainingError("model \(model) does not do \(task) (\(task): \(ModelKind.names(for: task)))")
        }
        guard dataset.tasks.contains(task) else {
            throw TrainingError("dataset \(dataset) is not for \(task) (\(task): \(DatasetKind.names(for: task)))")
        }
        try validateDataOptions()
        if model == .nafnet && patchSize % 4 != 0 {
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

    /// Checks that the data options fit the task, so none is silently ignored.
    private func validateDataOptions() throws(TrainingError) {
        let given = { (value: Any?, option: String) in value == nil ? [] : [option] }
        let seriesOnly = given(problem, "--problem") + given(testDataFile, "--test-data") + given(zNormalise, "--z-normalise")
        if task != .series, let option = seriesOnly.first { throw TrainingError("\(option) is for --task series, not \(task)") }
        if task != .series && task != .volume && dataFile != nil { throw TrainingError("--data is for --task series or volume, not \(task)") }
        if let option = (given(imageSize, "--image-size") + given(imageFit, "--image-fit")).first, !(task == .classification && dataset == .folder) {
            throw TrainingError("\(option) is for --task classification --dataset folder")
        }
        if task == .series {
            guard (dataFile == nil) == (testDataFile == nil) else {
                throw TrainingError("--data and --test-data go together (the training and the test file of a series problem)")
            }
            if dataFile != nil && (problem != nil || dataDirectory != nil) {
                throw TrainingError("--data and --test-data name the files: --problem and --data-dir are not used with them")
            }
        }
        if task == .volume && dataFile != nil && (dataDirectory != nil || validationDirectory != nil) {
            throw TrainingError("--data names one volume: --data-dir and --validation-dir are not used with it")
        }
    }
}
