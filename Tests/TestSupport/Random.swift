import GridCore


/// Seeded random values for tests.
public struct TestRandom {
    private var generator: SeededGenerator

    /// A source whose values are determined by `seed`.
    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// `count` uniform values in `[-1, 1)`.
    public mutating func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in 2 * generator.nextUnitFloat() - 1 }
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    /// A random element of `choices`.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(in: 0...(choices.count - 1))] }
}

/// The largest absolute difference between two arrays, relative to the largest magnitude of
/// `expected` (and at least 1), for tolerance checks that do not depend on the scale.
/// Any non-finite value on either side gives an infinite error, so NaN never passes.
public func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "compared arrays differ in length")
    guard actual.allSatisfy(\.isFinite), expected.allSatisfy(\.isFinite) else { return .infinity }
    let scale = max(1, expected.map(abs).max() ?? 0)
    var worst = 0.0
    for i in actual.indices { worst = max(worst, abs(Double(actual[i]) - expected[i])) }
    return worst / scale
}
