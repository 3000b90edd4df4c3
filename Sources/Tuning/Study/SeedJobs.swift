import Communication

/// Runs the single-seed requests of an evaluation somewhere else (e.g. on the ranks of a cluster):
/// one result per request, in order; a failure is the reason the job could not be done (after
/// whatever retries the runner makes).
public typealias SeedJobRunner = ([EvaluationRequest]) throws -> [Result<EvaluationOutcome, any Error>]

extension EvaluationRequest {
    /// The request split into one request per seed, in seed order (each a job a worker can run
    /// with ``evaluate(_:jobs:showsProgress:replicas:)``).
    public var perSeed: [EvaluationRequest] {
        seeds.map { seed in
            var single = self
            single.seeds = [seed]
            return single
        }
    }
}

/// Trains the request's arm once per seed by handing the seeds to `runner` as separate jobs, and
/// joins their runs into one outcome, as ``evaluate(_:jobs:showsProgress:replicas:)`` would return it.
/// - Parameters:
///   - request: what to train.
///   - runner: runs the single-seed requests (``EvaluationRequest/perSeed``).
/// - Returns: the runs, in seed order; the wall time is that of the whole batch.
/// - Throws: ``EvaluationFailure`` naming every seed whose job failed (with the runner's reasons;
///   the study records the evaluation as failed); ``TuningError`` when the runner returns the
///   wrong number of results; errors of `runner`.
public func evaluate(_ request: EvaluationRequest, seedJobs runner: SeedJobRunner) throws -> EvaluationOutcome {
    let start = ContinuousClock.now
    let results = try runner(request.perSeed)
    guard results.count == request.seeds.count else {
        throw TuningError("the seed jobs returned \(results.count) results for \(request.seeds.count) seeds")
    }
    var outcomes: [EvaluationOutcome] = [], failures: [String] = []
    for (seed, result) in zip(request.seeds, results) {
        switch result {
        case .success(let outcome): outcomes.append(outcome)
        case .failure(let error): failures.append("seed \(seed): \(error)")
        }
    }
    guard failures.isEmpty, let first = outcomes.first else { throw EvaluationFailure(reasons: failures.isEmpty ? ["no seed"] : failures) }
    let elapsed = ContinuousClock.now - start
    return EvaluationOutcome(metricName: first.metricName, baselineName: first.baselineName, baselineValue: first.baselineValue,
                             runs: outcomes.flatMap(\.runs),
                             seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// Trains a single-seed request on a group of ranks, each rank of the group calling this with the
/// same request: a run of the search is data-parallel over the group; a final run (no validation
/// split) trains whole on the group's first rank, because data-parallel gradient sums round
/// differently from one process's and the test scores of a study must not depend on how many
/// ranks it ran on.
/// - Parameters:
///   - request: what to train (one seed).
///   - group: the ranks of the group.
/// - Returns: the outcome (on the group's other ranks for a final run: a ``TuningError``
///   saying the first rank trains it, which no one reads).
/// - Throws: what ``evaluate(_:jobs:showsProgress:replicas:)`` throws.
public func evaluate(_ request: EvaluationRequest, group: any Communicator) throws -> EvaluationOutcome {
    guard request.validation == nil else { return try evaluate(request, showsProgress: false, replicas: group) }
    guard group.isRoot else { throw TuningError("a final run trains on the first rank of its group") }
    return try evaluate(request, showsProgress: false)
}
