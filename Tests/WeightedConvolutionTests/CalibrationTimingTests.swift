import Testing
import WeightedConvolution

/// The calibration's statistic on scripted clocks: each call of the timed body advances a fake
/// clock by the seconds the script gives, so no test depends on the machine's timing.
@Suite struct CalibrationTimingTests {
    /// The seconds per call `timing` reports when the `n`-th call (from 1) takes `duration(n)`.
    static func measured(_ timing: CalibrationTiming, _ duration: (Int) -> Double) -> Double {
        var now = 0.0, calls = 0
        return timing.secondsPerCall(clock: { now }) {
            calls += 1
            now += duration(calls)
        }
    }

    /// A cold start of 15 slow calls (5 ms each: thread start, first touch, idle clock) stays in
    /// the warm-up, and one call interrupted for 0.2 s in any timed sample (the timed calls are
    /// about the 41st to the 216th here) does not move the result: both give the steady 1 ms.
    /// The best of three calls after one warm-up call, the statistic before, reports the cold
    /// 5 ms here.
    @Test func rejectsColdStartAndOutlier() {
        let timing = CalibrationTiming.standard
        let cold = { (n: Int) in n <= 15 ? 0.005 : 0.001 }
        #expect(abs(Self.measured(timing, cold) - 0.001) < 1e-9)
        for outlier in [45, 100, 200] {
            let interrupted = { (n: Int) in n == outlier ? 0.2 : cold(n) }
            #expect(abs(Self.measured(timing, interrupted) - 0.001) < 1e-9, "outlier at call \(outlier)")
        }
    }

    /// A clock glitch that makes one timed call look free (the timed calls are about the 51st
    /// to the 141st here) is rejected as well, where a best-of statistic would take it; a
    /// steady speed is reported as it is.
    @Test func rejectsFastGlitchAndFollowsSteadySpeed() {
        let timing = CalibrationTiming.standard
        let glitch = { (n: Int) in n == 70 ? 0.0 : 0.002 }
        #expect(abs(Self.measured(timing, glitch) - 0.002) < 1e-9)
        #expect(abs(Self.measured(timing) { _ in 0.003 } - 0.003) < 1e-9)
    }
}
