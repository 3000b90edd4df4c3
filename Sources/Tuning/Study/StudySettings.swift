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
    /// Seeds, disjoint from ``seeds``, on which the standard and the hand-picked densities are
    /// evaluated before the search (the objective's seed spread: the resolution of the search)
    /// and the top ``candidates`` after it; `nil` (studies made before there was one): neither.
    public var noiseSeeds: [UInt64]?
    /// How many of the search's best densities are re-evaluated on ``noiseSeeds`` and chosen
    /// among by that mean (`nil`: the best search score is chosen).
    public var candidates: Int?

    /// Settings of a study.
    public init(experiment: Experiment, settings: TrainingSettings, box: DensityBox, algorithm: SearchAlgorithm, budget: Int,
                objective: TuningObjective, seeds: [UInt64], validation: ValidationSplit, searchSeed: UInt64,
                finalSeeds: [UInt64], finalEpochs: Int, noiseSeeds: [UInt64]? = nil, candidates: Int? = nil) {
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
        self.noiseSeeds = noiseSeeds
        self.candidates = candidates
    }

    /// The seeds `--noise-seeds count` gives: 1001, 1002, … (none for 0).
    public static func noiseSeeds(count: Int) -> [UInt64]? {
        count > 0 ? (1...count).map { 1000 + UInt64($0) } : nil
    }

    /// Checks the parts against each other.
    /// - Throws: ``TuningError`` for no seeds, a budget below 1, an objective that does not fit
    ///   the task, a box whose profiles do not fit the kernel size or the model's spatial rank,
    ///   noise seeds that are empty, more than 100 or shared with the search's, candidates outside
    ///   1…100 or without noise seeds.
    public func validate() throws(TuningError) {
        guard !seeds.isEmpty, !finalSeeds.isEmpty else { throw TuningError("a study needs at least one seed per evaluation and one final seed") }
        if let noiseSeeds {
            guard (1...100).contains(noiseSeeds.count) else { throw TuningError("--noise-seeds must be in 0…100, got \(noiseSeeds.count)") }
            guard Set(noiseSeeds).isDisjoint(with: seeds) else {
                throw TuningError("the noise seeds \(noiseSeeds) must be fresh: --seeds \(seeds) shares some of them")
            }
        }
        if let candidates {
            guard (1...100).contains(candidates) else { throw TuningError("--reevaluate must be in 0…100, got \(candidates)") }
            guard noiseSeeds != nil else { throw TuningError("--reevaluate needs --noise-seeds of at least 1 (the candidates are re-evaluated on them)") }
        }
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

    /// The request that evaluates `arm` on the validation split with `seeds` (default: the study's).
    public func validationRequest(_ arm: DensityArm, seeds: [UInt64]? = nil) -> EvaluationRequest {
        EvaluationRequest(experiment: experiment, settings: settings, arm: arm, seeds: seeds ?? self.seeds, validation: validation)
    }

    /// The best ``candidates`` non-standard records by search score (failed ones left out), best first.
    public func topCandidates(of records: [EvaluationRecord]) -> [EvaluationRecord] {
        let ranked = records.filter { $0.role != .standard && $0.failure == nil && $0.score.isFinite }
            .sorted { objective.minimised($0.score) < objective.minimised($1.score) }
        var distinct: [EvaluationRecord] = []
        for r in ranked where !distinct.contains(where: { $0.matches(r.point) }) { distinct.append(r) }
        return Array(distinct.prefix(candidates ?? 0))
    }

    /// The density the study chooses: the best re-evaluated candidate when there are
    /// re-evaluations, else the best search score.
    public func choice(records: [EvaluationRecord], reevaluations: [Reevaluation]) -> EvaluationRecord? {
        reevaluations.filter { $0.check.failure == nil && $0.check.score.isFinite }
            .min { objective.minimised($0.check.score) < objective.minimised($1.check.score) }?.candidate ?? best(of: records)
    }

    /// What differs from `other`, as the options that set it, for a study resumed with other settings.
    public func differences(from other: StudySettings) -> [String] {
        var names: [String] = []
        var a = settings, b = other.settings
        if a.preciseBatchNorm != b.preciseBatchNorm { names.append("--precise-bn \(other.settings.preciseBatchNorm ?? 0)") }
        (a.preciseBatchNorm, b.preciseBatchNorm) = (nil, nil)
        if a != b { names.append("the training options (epochs, learning rates, schedule, optimiser)") }
        if experiment != other.experiment { names.append("the model and data options") }
        if box != other.box || algorithm != other.algorithm { names.append("--box/--per-axis/--algorithm") }
        if budget != other.budget { names.append("--budget \(other.budget)") }
        if objective != other.objective { names.append("--objective \(other.objective.rawValue)") }
        if seeds != other.seeds { names.append("--seeds \(other.seeds.map(String.init).joined(separator: ","))") }
        if validation != other.validation { names.append("--validation-fraction \(other.validation.fraction) --split-seed \(other.validation.seed)") }
        if searchSeed != other.searchSeed { names.append("--search-seed \(other.searchSeed)") }
        if finalSeeds != other.finalSeeds { names.append("--final-seeds \(other.finalSeeds.map(String.init).joined(separator: ","))") }
        if finalEpochs != other.finalEpochs { names.append("--final-epochs \(other.finalEpochs)") }
        if noiseSeeds != other.noiseSeeds { names.append("--noise-seeds \(other.noiseSeeds?.count ?? 0)") }
        if candidates != other.candidates { names.append("--reevaluate \(other.candidates ?? 0)") }
        return names
    }

    /// The request of a final run: full training data, final epochs and seeds, test set.
    public func finalRequest(_ arm: DensityArm) -> EvaluationRequest {
        var final = settings
        final.epochs = finalEpochs
        return EvaluationRequest(experiment: experiment, settings: final, arm: arm, seeds: finalSeeds, validation: nil)
    }
}
