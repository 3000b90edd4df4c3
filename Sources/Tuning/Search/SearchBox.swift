/// A box of real parameters, `lower[i] ≤ x[i] ≤ upper[i]`, searched by a ``GlobalSearch``.
public struct SearchBox: Codable, Sendable, Equatable {
    /// Lower bounds, one per parameter.
    public let lower: [Double]
    /// Upper bounds, one per parameter.
    public let upper: [Double]

    /// A box with finite bounds, `lower[i] < upper[i]`.
    /// - Parameters:
    ///   - lower: lower bounds, one per parameter (at least one parameter).
    ///   - upper: upper bounds, as many as `lower`.
    /// - Throws: ``TuningError`` for an empty box, bounds of different counts, non-finite bounds
    ///   or an interval whose lower bound is not below its upper bound.
    public init(lower: [Double], upper: [Double]) throws(TuningError) {
        guard !lower.isEmpty else { throw TuningError("a search box needs at least one parameter, got none") }
        guard lower.count == upper.count else {
            throw TuningError("a search box needs as many upper as lower bounds, got \(lower.count) lower and \(upper.count) upper")
        }
        for (i, (low, high)) in zip(lower, upper).enumerated() {
            guard low.isFinite, high.isFinite, low < high else {
                throw TuningError("parameter \(i + 1) of the search box needs finite bounds with lower < upper, got [\(low), \(high)]")
            }
        }
        self.lower = lower
        self.upper = upper
    }

    /// The number of parameters.
    public var dimension: Int { lower.count }

    /// The centre of the box (DIRECT's first point).
    public var centre: [Double] { zip(lower, upper).map { ($0 + $1) / 2 } }

    /// Whether `point` lies in the box (bounds included).
    public func contains(_ point: [Double]) -> Bool {
        point.count == dimension && point.indices.allSatisfy { lower[$0] <= point[$0] && point[$0] <= upper[$0] }
    }
}
