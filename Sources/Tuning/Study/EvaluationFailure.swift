/// Why an evaluation could not be done: the runs of some seeds failed (threw, crashed, were
/// killed or timed out) on every attempt. A study records the evaluation as failed and goes on
/// (``DensityStudy/search()``); other errors (the study file, the transport) stop it.
public struct EvaluationFailure: Error, CustomStringConvertible, Sendable {
    /// One reason per failed seed, e.g. `seed 2: failed 2 times: rank 1: the run was killed by signal 9 (SIGKILL); …`.
    public let reasons: [String]

    /// A failure with its reasons.
    public init(reasons: [String]) { self.reasons = reasons }

    /// The reasons joined by `; `.
    public var description: String { reasons.joined(separator: "; ") }
}
