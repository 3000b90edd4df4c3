/// A small, fast, reproducible random number generator (SplitMix64).
///
/// Every random initialiser of the package takes an explicit seed and uses this generator, so
/// the same seed gives the same numbers on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A standard normal sample (Box–Muller, one value per call).
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 0.5) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif

extension Grid {
    /// A grid of independent uniform samples in `range`, reproducible from `seed`.
    public static func uniform(
        shape: InlineArray<N, Int>, in range: ClosedRange<Float> = -1...1, seed: UInt64
    ) -> Grid {
        var generator = SeededGenerator(seed: seed)
        let width = range.upperBound - range.lowerBound
        return Grid(shape: shape).map { _ in range.lowerBound + width * generator.nextUnitFloat() }
    }

    /// A grid of independent normal samples with the given mean and standard deviation,
    /// reproducible from `seed`.
    public static func normal(
        shape: InlineArray<N, Int>, mean: Float = 0, standardDeviation: Float = 1, seed: UInt64
    ) -> Grid {
        var generator = SeededGenerator(seed: seed)
        return Grid(shape: shape).map { _ in mean + standardDeviation * generator.nextNormal() }
    }
}
