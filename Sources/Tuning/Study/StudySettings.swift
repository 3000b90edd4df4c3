import Training

/// Everything that defines a study; stored in its file, and compared on `--resume` so a study is
/// never continued with other settings.
public struct StudySettings: Codable, Sendable, Equatable {
    /// Model and data (the density in it is the hand-picked reference).
    public var experiment: Experiment
    /// Optimisation settings of one evaluation (its epochs are the per-evaluation budget).
    public var settings: TrainingSettings
    /// Where the density values are searched.
    public var box: DensityBox
    /// The optimiser.
    public var algorithm: SearchAlgorithm
    /// Evaluations the optimiser may propose (the standard and reference evaluations come on top).
    public var budget: Int
    /// What is optimised.
    public var objective: TuningObjective
    /// Seeds of every evaluation (the objective is the mean over them).
    public var seeds: [UInt64]
    /// The validation split the densities are chosen on.
    public var validation: ValidationSplit
    /// Seed of the random optimisers (CRS2-LM, random).
    public var searchSeed: UInt64
    /// Fresh seeds of the final runs on the full training data, scored once on the test set.
    public var finalSeeds: [UInt64]
    /// Epochs of the final runs.
    public var finalEpochs: Int

    /// Settings of a study.
    public init(experiment: Experiment, settings: TrainingSettings, box: DensityBox, algorithm: SearchAlgorithm, budget: Int,
                objective: TuningObjective, seeds: [UInt64], validation: ValidationSplit, searchSeed: UInt64,
                finalSeeds: [UInt64], finalEpochs: Int) {
        self.experiment = experiment
        self.settings = settings
        self.box = box
        self.algorithm = algorithm
        self.budget = budget
        self.objective = objective
        self.seeds = seeds
        self.validation = validation
        self.searchSeed = searchSeed
        self.finalSeeds = finalSeeds
        self.finalEpochs = finalEpochs
    }

    /// Checks the parts against each other.
    /// - Throws: ``TuningError`` for no seeds, a budget below 1, an objective that does not fit
    ///   the task, a box whose profiles do not fit the kernel size or the model's spatial rank.
    public func validate() throws(TuningError) {
        guard !seeds.isEmpty, !finalSeeds.isEmpty else { throw TuningError("a study needs at least one seed per evaluation and one final seed") }
        guard budget >= 1 else { throw TuningError("the evaluation budget must be at least 1, got \(budget)") }
        guard finalEpochs >= 1, settings.epochs >= 1 else {
            throw TuningError("evaluations and final runs need at least one epoch, got \(settings.epochs) and \(finalEpochs)")
        }
        try objective.check(task: experiment.task)
        guard box.kernelSize == experiment.kernelSize else {
            throw TuningError("a box of \(box.entries) values per profile fits \(box.kernelSize)×\(box.kernelSize) kernels, the model has \(experiment.kernelSize)×\(experiment.kernelSize)")
        }
        guard box.lower.count == 1 || box.lower.count == 2 else {
            throw TuningError("the models are 2-D: one profile (isotropic) or two (one per axis), got \(box.lower.count)")
        }
    }

    /// The hand-picked density as a point (repeated per axis), when it fits the box.
    public var referencePoint: [Double]? {
        experiment.den.count == box.entries ? Array(repeating: experiment.den.map(Double.init), count: box.lower.count).flatMap { $0 } : nil
    }

    /// The best non-standard record (by the objective) that did not fail, or nil.
    public func best(of records: [EvaluationRecord]) -> EvaluationRecord? {
        records.filter { $0.role != .standard && $0.failure == nil && $0.score.isFinite }.min { objective.minimised($0.score) < objective.minimised($1.score) }
    }

    /// The request that evaluates `arm` on the validation split with the study's seeds.
    public func validationRequest(_ arm: DensityArm) -> EvaluationRequest {
        EvaluationRequest(experiment: experiment, settings: settings, arm: arm, seeds: seeds, validation: validation)
    }

    /// The request of a final run: full training data, final epochs and seeds, test set.
    public func finalRequest(_ arm: DensityArm) -> EvaluationRequest {
        var final = settings
        final.epochs = finalEpochs
        return EvaluationRequest(experiment: experiment, settings: final, arm: arm, seeds: finalSeeds, validation: nil)
    }
}
