import Testing
import Training

/// The paired 95 % interval against published t-quantiles and a hand computation.
@Suite struct PairedDifferenceTests {
    @Test(arguments: [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (30, 2.042), (31, 2.040), (40, 2.021), (60, 2.000),
                      (120, 1.980), (1000, 1.962)])
    func quantilesMatchTheTables(degreesOfFreedom: Int, expected: Double) {
        #expect(abs(PairedDifference.studentQuantile975(degreesOfFreedom: degreesOfFreedom) - expected) < 1.5e-3)
    }

    /// Differences 1, 2, 3, 4, 5: mean 3, s = √2.5, half width 2.776·√2.5/√5 = 1.9631.
    @Test func intervalOfFiveDifferences() {
        let d = PairedDifference([11, 12, 13, 14, 15], [10, 10, 10, 10, 10])
        #expect(d.mean == 3)
        #expect(abs(d.halfWidth - 2.7764 * (2.5).squareRoot() / (5.0).squareRoot()) < 1e-9)
        #expect(abs(d.halfWidth - 1.9631) < 1e-3)
        #expect(d.isResolved)
        #expect(d.summary.hasSuffix(": resolved"))
    }

    @Test func intervalThatContainsZeroIsNotResolved() {
        let d = PairedDifference([1, -1, 2], [0, 0, 0])
        #expect(!d.isResolved)
        #expect(d.interval.contains(0))
        #expect(d.summary.hasSuffix("not resolved at this budget"))
        #expect(!PairedDifference([3], [1]).isResolved)
        #expect(PairedDifference([3], [1]).halfWidth == .infinity)
        #expect(PairedDifference([.nan, 4, 6], [0, 1, 2]).differences == [3, 4])
    }
}
