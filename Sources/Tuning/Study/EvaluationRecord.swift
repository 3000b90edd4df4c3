import Training

/// One evaluated density of a study: where, on which seeds, what it scored and how long it took.
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// Why the point was evaluated.
    public enum Role: String, Codable, Sendable {
        /// Standard convolution (every density value 1): what tuning has to beat.
        case standard
        /// The experiment's hand-picked density (`--den`).
        case reference
        /// The centre of the box (also DIRECT's first point).
        case centre
        /// A point proposed by the search.
        case search
    }

    /// 1-based order in the study.
    public var index: Int
    /// Why it was evaluated.
    public var role: Role
    /// The density values, per-axis profiles concatenated (outermost first).
    public var point: [Double]
    /// The seeds it was trained with.
    public var seeds: [UInt64]
    /// Per seed: the objective's quantity (accuracy, PSNR or loss); a diverged run gets the
    /// objective's penalty (see ``TuningObjective/penalty(baseline:)``).
    public var scores: [Double]
    /// Per seed: whether training diverged.
    public var diverged: [Bool]
    /// Wall time of the evaluation, seconds.
    public var seconds: Double
    /// Why the evaluation failed (a seed's run threw, crashed or timed out on every attempt), or
    /// nil. A failed evaluation scores the objective's penalty on every seed, as a diverged run
    /// does, and is never chosen as the best density.
    public var failure: String?

    /// A record.
    public init(index: Int, role: Role, point: [Double], seeds: [UInt64], scores: [Double], diverged: [Bool], seconds: Double,
                failure: String? = nil) {
        self.index = index
        self.role = role
        self.point = point
        self.seeds = seeds
        self.scores = scores
        self.diverged = diverged
        self.seconds = seconds
        self.failure = failure
    }

    /// Mean of ``scores`` over seeds.
    public var score: Double { meanAndSpread(scores).mean }
    /// Sample standard deviation of ``scores`` (0 for one seed).
    public var spread: Double { meanAndSpread(scores).spread }
    /// `failed` when the evaluation failed, else `diverged` when any seed diverged, else `ok`.
    public var status: String { failure != nil ? "failed" : diverged.contains(true) ? "diverged" : "ok" }

    /// Whether this record answers a proposal at `point` (same values to 1e-12, relative).
    public func matches(_ point: [Double]) -> Bool {
        self.point.count == point.count
            && zip(self.point, point).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) }
    }
}
