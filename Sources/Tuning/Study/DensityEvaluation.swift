import Communication
import Dispatch
import Foundation
import GridCore
import Models
import Training

/// What is trained: standard convolution, a fixed density, or a trainable one.
public enum DensityArm: Codable, Sendable, Equatable {
    /// Ordinary convolution (every density value 1).
    case standard
    /// A fixed density: one symmetric profile (isotropic) or one per spatial axis, outermost first.
    case fixed([[Float]])
    /// A density trained with the weights, starting from `den` (its own learning rate).
    case trainable([Float])

    /// The models' convolution kind.
    public var kind: ConvolutionKind {
        switch self {
        case .standard: .standard
        case .fixed(let profiles) where profiles.count == 1: .weighted(den: profiles[0], trainable: false)
        case .fixed(let profiles): .weightedPerAxis(profiles: profiles)
        case .trainable(let den): .weighted(den: den, trainable: true)
        }
    }
}

/// One density to train on some seeds: everything a worker (a thread here, a cluster rank
/// later) needs, as a value it can receive encoded.
public struct EvaluationRequest: Codable, Sendable, Equatable {
    /// Model, data and budget (epochs, subsets).
    public var experiment: Experiment
    /// Optimisation settings (the seed is replaced by each of ``seeds``).
    public var settings: TrainingSettings
    /// What is trained.
    public var arm: DensityArm
    /// One run per seed; a seed fixes initial weights, data order and noise.
    public var seeds: [UInt64]
    /// Evaluate on a validation split of the training data; nil: train on all the training data
    /// and evaluate on the test set.
    public var validation: ValidationSplit?

    /// A request.
    public init(experiment: Experiment, settings: TrainingSettings, arm: DensityArm, seeds: [UInt64], validation: ValidationSplit?) {
        self.experiment = experiment
        self.settings = settings
        self.arm = arm
        self.seeds = seeds
        self.validation = validation
    }
}

/// The runs of a request.
public struct EvaluationOutcome: Codable, Sendable {
    /// Name of the metric, e.g. `accuracy (%)`.
    public var metricName: String
    /// The trivial baseline on the evaluation data (chance, noisy input).
    public var baselineName: String
    /// Its value.
    public var baselineValue: Double
    /// One run per seed, in the request's order.
    public var runs: [RunResult]
    /// Wall time of the whole request, seconds.
    public var seconds: Double

    /// An outcome from its parts (e.g. sent back by a remote worker).
    public init(metricName: String, baselineName: String, baselineValue: Double, runs: [RunResult], seconds: Double) {
        self.metricName = metricName
        self.baselineName = baselineName
        self.baselineValue = baselineValue
        self.runs = runs
        self.seconds = seconds
    }
}

/// Trains the request's arm once per seed and scores each run on the evaluation data.
///
/// The function has no other input than the request and writes no files, so a remote worker can
/// run it. Runs of different seeds are independent: up to `jobs` of them train at once, each on
/// `ComputeThreads.count` (`WeightedConvolution`) threads; the results do not depend on `jobs`.
/// - Parameters:
///   - request: what to train.
///   - jobs: how many seeds train at the same time (at least 1).
///   - showsProgress: whether the runs show their progress lines (off on a cluster's worker ranks).
///   - replicas: the ranks each run is data-parallel over (a group of a cluster's ranks, every one
///     calling this with the same request; use one job at a time); one process by default.
/// - Returns: the runs, in seed order.
/// - Throws: ``EvaluationFailure`` with the error of every seed whose run failed (data or
///   configuration errors, a transport error of a data-parallel run).
public func evaluate(_ request: EvaluationRequest, jobs: Int = 1, showsProgress: Bool = true,
                     replicas: any Communicator = SingleProcess()) throws -> EvaluationOutcome {
    let start = ContinuousClock.now
    let runs = RunSlots(count: request.seeds.count)
    precondition(jobs == 1 || replicas.size == 1, "runs data-parallel over replicas train one seed at a time")
    nonisolated(unsafe) let replicas = replicas   // used by one run at a time when there are several (jobs is 1)
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, request.seeds.count))) { job in
        for index in stride(from: job, to: request.seeds.count, by: max(1, jobs)) {
            runs.set(index, Result { try train(request, seed: request.seeds[index], showsProgress: showsProgress, replicas: replicas) })
        }
    }
    guard !request.seeds.isEmpty else { throw TuningError("an evaluation needs at least one seed") }
    var results: [SeedRun] = [], failures: [String] = []
    for (seed, slot) in zip(request.seeds, runs.values) {
        switch slot! {
        case .success(let run): results.append(run)
        case .failure(let error): failures.append("seed \(seed): \(error)")
        }
    }
    guard failures.isEmpty, let first = results.first else { throw EvaluationFailure(reasons: failures) }
    let elapsed = ContinuousClock.now - start
    return EvaluationOutcome(metricName: first.metricName, baselineName: first.baseline.name, baselineValue: first.baseline.value,
                             runs: results.map(\.run),
                             seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

private func train(_ request: EvaluationRequest, seed: UInt64, showsProgress: Bool, replicas: any Communicator) throws -> SeedRun {
    let (task, channels, size, classes) = try TaskCache.shared.task(request.experiment, validation: request.validation, seed: seed)
    let model = try request.experiment.makeModel(kind: request.arm.kind, seed: seed, channels: channels, size: size, classes: classes)
    var settings = request.settings
    settings.seed = seed
    let run = try Trainer(settings: settings, directory: nil, label: "\(request.arm.kind.name) s\(seed)",
                              communicator: replicas, showsProgress: showsProgress).run(model: model, task: task)
    return (run, task.metricName, task.baseline ?? ("", .nan))
}

/// The tasks of recent requests, so a study reads and splits its data once per seed rather than
/// once per evaluation (the data depends only on the experiment, the split and the seed).
private final class TaskCache: @unchecked Sendable {
    typealias Entry = (task: any TrainingTask, channels: Int, size: Int, classes: Int)
    static let shared = TaskCache()
    private let lock = NSLock()
    private var entries: [(key: String, entry: Entry)] = []
    private let capacity = 8

    func task(_ experiment: Experiment, validation: ValidationSplit?, seed: UInt64) throws -> Entry {
        let key = try StudyStore.encode([StudyStore.encode(experiment), StudyStore.encode(validation), "\(seed)"])
        if let hit = lock.withLock({ entries.first { $0.key == key }?.entry }) { return hit }
        let entry = try validation.map { try $0.task(of: experiment, seed: seed) } ?? experiment.makeTask(seed: seed)
        lock.withLock {
            entries.append((key, entry))
            if entries.count > capacity { entries.removeFirst() }
        }
        return entry
    }
}

/// A finished run with its task's metric name and trivial baseline.
private typealias SeedRun = (run: RunResult, metricName: String, baseline: (name: String, value: Double))

/// Results of concurrent runs, one slot per seed.
private final class RunSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<SeedRun, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<SeedRun, any Error>) {
        lock.withLock { slots[index] = value }
    }

    var values: [Result<SeedRun, any Error>?] {
        lock.withLock { slots }
    }
}
