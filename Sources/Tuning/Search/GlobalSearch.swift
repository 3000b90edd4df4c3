import CNLopt
import GridCore

/// A derivative-free global minimiser: the algorithms come from NLopt, the random baseline is
/// seeded here.
public enum SearchAlgorithm: String, Codable, Sendable, CaseIterable {
    /// DIRECT-L (Gablonsky & Kelley 2001): DIRECT biased towards local search; deterministic.
    case directL = "direct-l"
    /// DIRECT (Jones, Perttunen & Stuckman 1993): divides the box into ever smaller hyper-rectangles,
    /// splitting those that are potentially optimal for some Lipschitz constant; deterministic.
    case direct
    /// Controlled random search with local mutation (Kaelo & Ali 2006); seeded.
    case crs2 = "crs2-lm"
    /// Uniform random points in the box: the baseline a search has to beat; seeded.
    case random
}

/// Why a search stopped without an error.
public enum SearchStop: String, Codable, Sendable {
    /// The evaluation budget is spent.
    case budgetSpent = "budget spent"
    /// The optimiser converged (its hyper-rectangles or population became too small to split).
    case converged
}

/// The best point a search found.
public struct SearchResult: Sendable, Equatable {
    /// The best point.
    public var point: [Double]
    /// The objective there.
    public var value: Double
    /// How many times the objective was called.
    public var evaluations: Int
    /// Why the search stopped.
    public var stop: SearchStop
}

/// Minimises an objective over a box within an evaluation budget.
///
/// ```swift
/// let box = try SearchBox(lower: [-5, 0], upper: [10, 15])
/// let best = try GlobalSearch(algorithm: .directL, box: box, budget: 300).minimize { x in branin(x) }
/// ```
/// The objective may throw: the search stops (NLopt's forced stop) and the error comes out of
/// ``minimize(_:)`` unchanged. A non-finite objective value is a thrown ``TuningError``.
public struct GlobalSearch: Sendable {
    /// Which algorithm.
    public var algorithm: SearchAlgorithm
    /// Where to search.
    public var box: SearchBox
    /// The most objective evaluations.
    public var budget: Int
    /// Seed of the random algorithms (CRS2-LM, random); DIRECT and DIRECT-L are deterministic.
    /// (NLopt keeps its generator per thread, so concurrent searches do not disturb each other.)
    public var seed: UInt64

    /// A search.
    /// - Parameters:
    ///   - algorithm: the optimiser.
    ///   - box: the parameters' bounds.
    ///   - budget: the most objective evaluations (at least 1).
    ///   - seed: seed of the random algorithms.
    /// - Throws: ``TuningError`` for a budget below 1.
    public init(algorithm: SearchAlgorithm, box: SearchBox, budget: Int, seed: UInt64 = 1) throws(TuningError) {
        guard budget >= 1 else { throw TuningError("the evaluation budget must be at least 1, got \(budget)") }
        self.algorithm = algorithm
        self.box = box
        self.budget = budget
        self.seed = seed
    }

    /// Minimises `objective` over ``box``: the same algorithm, box, budget and seed propose the
    /// same points in the same order (so a study can be replayed from its records).
    /// - Parameter objective: the function to minimise; it is called with points of the box.
    /// - Returns: the best point seen and its value.
    /// - Throws: whatever `objective` throws; ``TuningError`` for a non-finite objective value or
    ///   an NLopt failure (invalid arguments, out of memory, round-off).
    public func minimize(_ objective: ([Double]) throws -> Double) throws -> SearchResult {
        try withoutActuallyEscaping(objective) { objective in
            let state = SearchState(objective: objective, budget: budget)
            switch algorithm {
            case .random:
                var generator = SeededGenerator(seed: seed)
                for _ in 0..<budget {
                    let point = box.lower.indices.map { i in box.lower[i] + Double.random(in: 0...1, using: &generator) * (box.upper[i] - box.lower[i]) }
                    guard state.evaluate(point) else { break }
                }
                return try state.result(stop: .budgetSpent)
            case .directL, .direct, .crs2:
                return try runNLopt(state)
            }
        }
    }

    private func runNLopt(_ state: SearchState) throws -> SearchResult {
        let code: nlopt_algorithm = switch algorithm {
        case .directL: NLOPT_GN_DIRECT_L
        case .direct: NLOPT_GN_DIRECT
        default: NLOPT_GN_CRS2_LM
        }
        guard let opt = nlopt_create(code, UInt32(box.dimension)) else { throw TuningError("NLopt could not create \(algorithm.rawValue) (out of memory)") }
        defer { nlopt_destroy(opt) }
        state.handle = opt
        nlopt_srand(UInt(truncatingIfNeeded: seed))
        var x = box.centre, value = 0.0
        let setup = [nlopt_set_lower_bounds(opt, box.lower), nlopt_set_upper_bounds(opt, box.upper),
                     nlopt_set_maxeval(opt, Int32(clamping: budget))]
        if let failed = setup.first(where: { $0.rawValue < 0 }) { throw TuningError("NLopt rejected the search settings (\(Self.describe(failed)))") }
        let context = Unmanaged.passUnretained(state).toOpaque()
        nlopt_set_min_objective(opt, { count, x, _, data in
            let state = Unmanaged<SearchState>.fromOpaque(data!).takeUnretainedValue()
            let point = Array(UnsafeBufferPointer(start: x, count: Int(count)))
            return state.evaluate(point) ? state.lastValue : .greatestFiniteMagnitude
        }, context)
        let outcome = nlopt_optimize(opt, &x, &value)
        switch outcome {
        case NLOPT_MAXEVAL_REACHED: return try state.result(stop: .budgetSpent)
        case NLOPT_FORCED_STOP:
            return try state.result(stop: .budgetSpent)   // throws the objective's error when that was the cause
        case _ where outcome.rawValue > 0: return try state.result(stop: .converged)
        default:
            if let error = state.error { throw error }
            throw TuningError("NLopt \(algorithm.rawValue) failed: \(Self.describe(outcome))")
        }
    }

    private static func describe(_ result: nlopt_result) -> String {
        nlopt_result_to_string(result).map { String(cString: $0) } ?? "code \(result.rawValue)"
    }
}

/// The state of one search: the objective, the best point, the first error.
private final class SearchState {
    let objective: ([Double]) throws -> Double
    let budget: Int
    var handle: nlopt_opt?
    var evaluations = 0
    var lastValue = 0.0
    var best: (point: [Double], value: Double)?
    var error: (any Error)?

    init(objective: @escaping ([Double]) throws -> Double, budget: Int) {
        self.objective = objective
        self.budget = budget
    }

    /// Evaluates `point`; false when the search must stop (budget spent, or an error, which is
    /// kept and NLopt is told to stop).
    func evaluate(_ point: [Double]) -> Bool {
        guard error == nil, evaluations < budget else {
            if let handle { nlopt_force_stop(handle) }
            return false
        }
        do {
            let value = try objective(point)
            guard value.isFinite else { throw TuningError("the objective is \(value) at \(point); it must be finite") }
            evaluations += 1
            lastValue = value
            if best.map({ value < $0.value }) ?? true { best = (point, value) }
            return true
        } catch {
            self.error = error
            if let handle { nlopt_force_stop(handle) }
            return false
        }
    }

    func result(stop: SearchStop) throws -> SearchResult {
        if let error { throw error }
        guard let best else { throw TuningError("the search ended before evaluating any point") }
        return SearchResult(point: best.point, value: best.value, evaluations: evaluations, stop: stop)
    }
}
