import Foundation
import Testing
import Tuning

/// The optimisers on test functions with known minima (values from the literature, e.g. Jones,
/// Perttunen & Stuckman 1993), within the budgets usually quoted for DIRECT.
@Suite(.serialized) struct GlobalSearchTests {
    static func branin(_ x: [Double]) -> Double {
        let (a, b, c, r, s, t) = (1.0, 5.1 / (4 * Double.pi * Double.pi), 5 / Double.pi, 6.0, 10.0, 1 / (8 * Double.pi))
        let u = x[1] - b * x[0] * x[0] + c * x[0] - r
        return a * u * u + s * (1 - t) * cos(x[0]) + s
    }

    static func sixHumpCamel(_ x: [Double]) -> Double {
        let (p, q) = (x[0], x[1])
        return (4 - 2.1 * p * p + p * p * p * p / 3) * p * p + p * q + (-4 + 4 * q * q) * q * q
    }

    static func hartmann3(_ x: [Double]) -> Double {
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a = [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]
        let p = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]
        var sum = 0.0
        for i in 0..<4 {
            var exponent = 0.0
            for j in 0..<3 { exponent += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            sum += alpha[i] * exp(-exponent)
        }
        return -sum
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String, lower: [Double], upper: [Double], minimum: Double, function: @Sendable ([Double]) -> Double
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "Branin", lower: [-5, 0], upper: [10, 15], minimum: 0.397887, function: branin),
        Case(name: "six-hump camel", lower: [-3, -2], upper: [3, 2], minimum: -1.031628, function: sixHumpCamel),
        Case(name: "Hartmann-3", lower: [0, 0, 0], upper: [1, 1, 1], minimum: -3.862782, function: hartmann3),
    ]

    /// DIRECT and DIRECT-L reach the minimum within 1e-2 in 300 evaluations; CRS2-LM within 1e-2
    /// in 1000 (it is a population method); the random baseline only gets near it.
    @Test(arguments: cases, [SearchAlgorithm.directL, .direct, .crs2])
    func findsKnownMinimum(_ c: Case, algorithm: SearchAlgorithm) throws {
        let budget = algorithm == .crs2 ? 1000 : 300
        let search = try GlobalSearch(algorithm: algorithm, box: SearchBox(lower: c.lower, upper: c.upper), budget: budget, seed: 5)
        let result = try search.minimize(c.function)
        #expect(abs(result.value - c.minimum) < 1e-2, "\(c.name) with \(algorithm): \(result.value) at \(result.point)")
        #expect(result.evaluations <= budget)
        #expect(abs(c.function(result.point) - result.value) < 1e-12)
    }

    @Test func randomBaselineStaysInTheBoxAndIsSeeded() throws {
        let box = try SearchBox(lower: [-5, 0], upper: [10, 15])
        var points: [[Double]] = []
        let first = try GlobalSearch(algorithm: .random, box: box, budget: 200, seed: 3).minimize { points.append($0); return Self.branin($0) }
        #expect(points.count == 200 && points.allSatisfy(box.contains))
        #expect(first.value < 2, "200 random points on Branin should get below 2, got \(first.value)")
        let again = try GlobalSearch(algorithm: .random, box: box, budget: 200, seed: 3).minimize(Self.branin)
        #expect(again == first)
    }

    /// Same settings ⇒ same proposals: what replaying a study relies on.
    @Test(arguments: [SearchAlgorithm.directL, .crs2])
    func proposalsAreReproducible(_ algorithm: SearchAlgorithm) throws {
        let search = try GlobalSearch(algorithm: algorithm, box: SearchBox(lower: [-3, -2], upper: [3, 2]), budget: 60, seed: 9)
        var first: [[Double]] = [], second: [[Double]] = []
        _ = try search.minimize { first.append($0); return Self.sixHumpCamel($0) }
        _ = try search.minimize { second.append($0); return Self.sixHumpCamel($0) }
        #expect(first == second && first.count == 60)
    }

    struct Interrupted: Error, Equatable {}

    @Test(arguments: SearchAlgorithm.allCases)
    func objectiveErrorsComeOutAndStopTheSearch(_ algorithm: SearchAlgorithm) throws {
        let search = try GlobalSearch(algorithm: algorithm, box: SearchBox(lower: [0, 0], upper: [1, 1]), budget: 100)
        var calls = 0
        #expect(throws: Interrupted()) {
            try search.minimize { x in
                calls += 1
                if calls == 7 { throw Interrupted() }
                return x[0] + x[1]
            }
        }
        #expect(calls == 7)
    }

    @Test func badSettingsAndValuesAreErrors() throws {
        #expect(throws: TuningError.self) { try SearchBox(lower: [0, 1], upper: [1]) }
        #expect(throws: TuningError.self) { try SearchBox(lower: [1], upper: [1]) }
        #expect(throws: TuningError.self) { try SearchBox(lower: [.nan], upper: [1]) }
        #expect(throws: TuningError.self) { try SearchBox(lower: [], upper: []) }
        let box = try SearchBox(lower: [0], upper: [1])
        #expect(throws: TuningError.self) { try GlobalSearch(algorithm: .directL, box: box, budget: 0) }
        #expect(throws: TuningError.self) { try GlobalSearch(algorithm: .directL, box: box, budget: 10).minimize { _ in .nan } }
    }
}
