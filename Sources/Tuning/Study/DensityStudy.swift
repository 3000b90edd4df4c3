import Foundation
import Training

/// A density study: the standard and hand-picked densities on the noise seeds
/// (``measureNoise()``), then standard, hand-picked and the box centre, then the optimiser's
/// proposals, each trained on the validation split and recorded in the store; the best
/// candidates re-evaluated on the noise seeds (``reevaluate(records:noise:)``); at the end the
/// chosen density, the standard and the hand-picked one retrained on all the training data with
/// fresh seeds and scored once on the test set (``finalRuns(records:noise:reevaluations:)``).
///
/// A study continues where its store stops: finished evaluations are answered from the store
/// (the optimisers propose the same points in the same order), so a killed study resumes to
/// the result an uninterrupted one gives.
public struct DensityStudy {
    /// The study's settings.
    public let settings: StudySettings
    /// Where the evaluations go.
    public let store: StudyStore
    /// Trains one request (default: ``evaluate(_:jobs:showsProgress:replicas:)`` here, one seed per job).
    public var worker: (EvaluationRequest) throws -> EvaluationOutcome
    /// Called after every evaluation the study makes or recalls.
    public var progress: (StudyProgress) -> Void = { _ in }
    /// Called before a noise measurement, re-evaluation or final arm is trained, with its store key
    /// (`noise.standard`, `reevaluation.7`, `final.tuned`, …).
    public var note: (String) -> Void = { _ in }

    /// A study on `store`, whose settings must be `settings`.
    /// - Parameters:
    ///   - settings: the study's settings.
    ///   - store: its store (new, or one being resumed).
    ///   - jobs: seeds trained at the same time by the default worker.
    /// - Throws: ``TuningError`` when the settings are inconsistent or differ from the stored ones.
    public init(settings: StudySettings, store: StudyStore, jobs: Int = 1) throws(TuningError) {
        try settings.validate()
        let stored = try store.settings(as: StudySettings.self)
        guard stored == settings else {
            let before = stored.noiseSeeds == nil && stored.settings.preciseBatchNorm == nil
                ? " It was made before studies measured their noise, re-evaluated their best candidates and recomputed batch-norm statistics."
                : ""
            throw TuningError("\(store.path) was made with other settings.\(before) To resume it as it was made, give "
                + settings.differences(from: stored).joined(separator: ", ")
                + " (or --show it, or start another --study)")
        }
        self.settings = settings
        self.store = store
        self.worker = { try evaluate($0, jobs: jobs) }
    }

    /// Runs the search part: standard, reference, centre, then the optimiser's budget.
    /// - Returns: every record, in order.
    /// - Throws: training or store errors (what is recorded stays recorded).
    public func search() throws -> [EvaluationRecord] {
        var records = try store.evaluations()
        let box = settings.box
        func record(_ role: EvaluationRecord.Role, _ point: [Double], proposal: Int?) throws -> EvaluationRecord {
            let recalled = records.first { $0.matches(point) && (role == .standard) == ($0.role == .standard) }
            let result = try recalled ?? {
                let new = try evaluation(role, point, index: records.count + 1)
                try store.append(new)
                records.append(new)
                return new
            }()
            progress(StudyProgress(record: result, recalled: recalled != nil, proposal: proposal, budget: settings.budget,
                                   best: settings.best(of: records), objective: settings.objective,
                                   secondsLeft: secondsLeft(records: records, proposal: proposal)))
            return result
        }
        _ = try record(.standard, box.standardPoint, proposal: nil)
        if let reference = settings.referencePoint { _ = try record(.reference, reference, proposal: nil) }
        _ = try record(.centre, box.searchBox.centre, proposal: nil)
        var proposal = 0
        let search = try GlobalSearch(algorithm: settings.algorithm, box: box.searchBox, budget: settings.budget, seed: settings.searchSeed)
        _ = try search.minimize { point in
            proposal += 1
            let role: EvaluationRecord.Role = point == box.searchBox.centre ? .centre : .search
            return settings.objective.minimised(try record(role, point, proposal: proposal).score)
        }
        return records
    }

    /// Trains `point` on the validation split: its record, with the objective's penalty on every
    /// seed when the evaluation fails (``EvaluationFailure``); stores the validation baseline on
    /// the first success.
    /// - Throws: ``TuningError`` when the standard convolution fails (nothing could be compared
    ///   with it); errors of the worker other than ``EvaluationFailure``; store errors.
    private func evaluation(_ role: EvaluationRecord.Role, _ point: [Double], index: Int, seeds: [UInt64]? = nil) throws -> EvaluationRecord {
        let arm: DensityArm = role == .standard ? .standard : .fixed(settings.box.profiles(point))
        let seeds = seeds ?? settings.seeds
        let start = ContinuousClock.now
        do {
            let outcome = try worker(settings.validationRequest(arm, seeds: seeds))
            let penalty = settings.objective.penalty(baseline: outcome.baselineValue)
            if try store.value(Baseline.validationKey, as: Baseline.self) == nil {
                try store.setValue(Baseline(name: outcome.baselineName, value: outcome.baselineValue), for: Baseline.validationKey)
            }
            return EvaluationRecord(index: index, role: role, point: point, seeds: seeds,
                                    scores: outcome.runs.map { $0.diverged ? penalty : settings.objective.score(of: $0) },
                                    diverged: outcome.runs.map(\.diverged), seconds: outcome.seconds)
        } catch let failure as EvaluationFailure {
            guard role != .standard else {
                throw TuningError("the standard convolution, the study's first evaluation, failed, so there is nothing to compare with: \(failure)")
            }
            let baseline = try store.value(Baseline.validationKey, as: Baseline.self)
            let penalty = settings.objective.penalty(baseline: baseline?.value ?? .nan)
            let elapsed = ContinuousClock.now - start
            return EvaluationRecord(index: index, role: role, point: point, seeds: seeds,
                                    scores: seeds.map { _ in penalty }, diverged: seeds.map { _ in false },
                                    seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                    failure: failure.description)
        }
    }

    /// The mean duration of the evaluations so far times the proposals left.
    private func secondsLeft(records: [EvaluationRecord], proposal: Int?) -> Double {
        guard !records.isEmpty else { return .nan }
        return records.map(\.seconds).reduce(0, +) / Double(records.count) * Double(settings.budget - (proposal ?? 0))
    }

    /// The noise measurement: standard and the hand-picked density on the noise seeds, before the
    /// search (read back from the store when done). Empty without noise seeds.
    /// - Throws: training or store errors.
    public func measureNoise() throws -> [EvaluationRecord] {
        guard let seeds = settings.noiseSeeds else { return [] }
        var arms: [(String, EvaluationRecord.Role, [Double])] = [("standard", .standard, settings.box.standardPoint)]
        if let reference = settings.referencePoint { arms.append(("hand-picked", .reference, reference)) }
        return try arms.map { name, role, point in
            try stored("noise.\(name)") { try evaluation(role, point, index: 0, seeds: seeds) }
        }
    }

    /// Re-evaluates the search's best ``StudySettings/candidates`` on the noise seeds (the
    /// hand-picked density's noise measurement is reused when it is among them), each read back
    /// from the store when done. Empty without candidates.
    /// - Parameters:
    ///   - records: the search's records.
    ///   - noise: the noise measurement (``measureNoise()``).
    /// - Throws: training or store errors.
    public func reevaluate(records: [EvaluationRecord], noise: [EvaluationRecord]) throws -> [Reevaluation] {
        guard let seeds = settings.noiseSeeds else { return [] }
        if let done = try store.value(Reevaluation.storeKey, as: [Reevaluation].self) { return done }
        let checked = try settings.topCandidates(of: records).map { candidate in
            if let same = noise.first(where: { $0.role == .reference && $0.matches(candidate.point) }) {
                return Reevaluation(candidate: candidate, check: same)
            }
            let check = try stored("reevaluation.\(candidate.index)") {
                try evaluation(candidate.role, candidate.point, index: candidate.index, seeds: seeds)
            }
            return Reevaluation(candidate: candidate, check: check)
        }
        try store.setValue(checked, for: Reevaluation.storeKey)
        return checked
    }

    /// The value stored under `key`, or `make()`'s, stored there first.
    private func stored<Value: Codable>(_ key: String, _ make: () throws -> Value) throws -> Value {
        if let value = try store.value(key, as: Value.self) { return value }
        note(key)
        let value = try make()
        try store.setValue(value, for: key)
        return value
    }

    /// The final runs: standard, the hand-picked density and the chosen one (see
    /// ``StudySettings/choice(records:reevaluations:)``), each retrained on all the training data
    /// with the final seeds and scored once on the test set. Finished arms are read back from
    /// the store.
    /// - Throws: training or store errors.
    public func finalRuns(records: [EvaluationRecord], noise: [EvaluationRecord] = [], reevaluations: [Reevaluation] = []) throws -> [FinalArm] {
        guard let chosen = settings.choice(records: records, reevaluations: reevaluations) else {
            throw TuningError("the study has no evaluated density to retrain")
        }
        var arms: [(String, DensityArm, [Double]?)] = [("standard", .standard, nil)]
        if let reference = settings.referencePoint { arms.append(("hand-picked", .fixed(settings.box.profiles(reference)), reference)) }
        arms.append(("tuned", .fixed(settings.box.profiles(chosen.point)), chosen.point))
        return try arms.map { name, arm, point in
            try stored("final.\(name)") {
                let isArm = { (r: EvaluationRecord) in point == nil ? r.role == .standard : r.role != .standard && r.matches(point!) }
                var final = FinalArm(name: name, point: point, validation: records.first(where: isArm), test: try worker(settings.finalRequest(arm)))
                final.reevaluation = noise.first(where: isArm) ?? reevaluations.first { isArm($0.candidate) }?.check
                return final
            }
        }
    }
}

/// The trivial baseline of an evaluation set (chance accuracy, noisy-input PSNR).
public struct Baseline: Codable, Sendable, Equatable {
    /// The store key of the validation split's baseline.
    static let validationKey = "validation.baseline"
    /// `chance` or `noisy input`.
    public var name: String
    /// Its metric.
    public var value: Double
}

/// One arm of the final comparison.
public struct FinalArm: Codable, Sendable {
    /// The arms, in the order of the report.
    static let names = ["standard", "hand-picked", "tuned"]

    /// `standard`, `hand-picked` or `tuned`.
    public var name: String
    /// The density values (nil for standard).
    public var point: [Double]?
    /// Its evaluation on the validation split during the study.
    public var validation: EvaluationRecord?
    /// Its evaluation on the validation split with the noise seeds (noise measurement or
    /// re-evaluation; nil when there was none).
    public var reevaluation: EvaluationRecord?
    /// The final runs, scored on the test set.
    public var test: EvaluationOutcome
}

/// A candidate of the search re-evaluated on the noise seeds.
public struct Reevaluation: Codable, Sendable, Equatable {
    /// The store key of the finished re-evaluation (all candidates).
    static let storeKey = "reevaluations"
    /// The search's record (search seeds).
    public var candidate: EvaluationRecord
    /// The same density on the noise seeds.
    public var check: EvaluationRecord
}

/// What a study reports after each evaluation.
public struct StudyProgress: Sendable {
    /// The evaluation.
    public var record: EvaluationRecord
    /// Whether it was answered from the store (resumed study) rather than trained.
    public var recalled: Bool
    /// Its place in the optimiser's budget (nil for standard, reference and centre).
    public var proposal: Int?
    /// The optimiser's budget.
    public var budget: Int
    /// The best record so far.
    public var best: EvaluationRecord?
    /// The study's objective.
    public var objective: TuningObjective
    /// Estimated seconds until the budget is spent.
    public var secondsLeft: Double
}
