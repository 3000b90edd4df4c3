import Foundation

/// The mean of paired differences `a[i] − b[i]` (two arms run on the same seeds) with its 95 %
/// confidence interval from Student's t over the `n` differences: `mean ± t(0.975, n − 1)·s/√n`,
/// `s` their sample standard deviation. The difference is *resolved* when the interval excludes 0.
public struct PairedDifference: Codable, Sendable, Equatable {
    /// The differences, one per seed (pairs with a non-finite value left out).
    public var differences: [Double]
    /// Their mean.
    public var mean: Double
    /// Half the width of the 95 % interval (infinite for fewer than two pairs).
    public var halfWidth: Double

    /// The paired difference of `a` and `b` (same seeds, same order; extra values are ignored).
    public init(_ a: [Double], _ b: [Double]) {
        differences = zip(a, b).map { $0 - $1 }.filter(\.isFinite)
        let (mean, spread) = meanAndSpread(differences)
        self.mean = mean
        let n = differences.count
        halfWidth = n >= 2 ? Self.studentQuantile975(degreesOfFreedom: n - 1) * spread / Double(n).squareRoot() : .infinity
    }

    /// The interval's ends.
    public var interval: ClosedRange<Double> { (mean - halfWidth)...(mean + halfWidth) }

    /// Whether the interval excludes 0 (the sign of the difference is resolved at 95 %).
    public var isResolved: Bool { mean.isFinite && halfWidth.isFinite && abs(mean) > halfWidth }

    /// `+0.200 (95 % CI −0.110 … +0.510, 5 seeds): not resolved at this budget`.
    public var summary: String {
        guard mean.isFinite else { return "n/a (no paired seeds)" }
        let seeds = "\(differences.count) seed\(differences.count == 1 ? "" : "s")"
        guard halfWidth.isFinite else { return String(format: "%+.3f (%@: no interval): not resolved at this budget", mean, seeds) }
        return String(format: "%+.3f (95 %% CI %+.3f … %+.3f, %@): %@", mean, interval.lowerBound, interval.upperBound, seeds,
                      isResolved ? "resolved" : "not resolved at this budget")
    }

    /// The 0.975 quantile of Student's t with `ν` degrees of freedom: the exact table for
    /// ν ≤ 30, beyond it the Cornish–Fisher expansion around the normal quantile (error < 10⁻⁴).
    public static func studentQuantile975(degreesOfFreedom ν: Int) -> Double {
        precondition(ν >= 1, "Student's t needs at least one degree of freedom")
        let table = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                     2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                     2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423]
        if ν <= table.count { return table[ν - 1] }
        let z = 1.959964, v = Double(ν)
        let (z3, z5, z7) = (z * z * z, pow(z, 5), pow(z, 7))
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }
}
