/// How the planner's calibration times one forward pass: a warm-up, then several samples, each
/// a run of passes long enough for the clock and the thread start-up to be small beside it, and
/// the median of the samples' seconds per pass.
///
/// Best-of-three single passes after one warm-up pass, the statistic this replaces, timed each
/// layer for well under a millisecond to a few milliseconds, all in one window: the first passes
/// of a process pay for the compute threads' start, the workspace's first touch and the processor
/// leaving its idle clock, and a window that short either misses all of that or lies entirely
/// in it, so two calibrations a minute apart could differ by a factor of two. A warm-up of
/// ``warmUp`` seconds, ``samples`` samples of at least ``sampleLength`` seconds and their median
/// keep a cold start out and reject a sample that another process interrupted (or a clock
/// glitch), in either direction, as long as fewer than half the samples are disturbed.
package struct CalibrationTiming: Sendable {
    /// Seconds of untimed passes before the first sample (at least one pass).
    package var warmUp: Double
    /// The least seconds of one sample: passes are repeated until it has lasted this long.
    package var sampleLength: Double
    /// The number of samples whose median is taken (at least one).
    package var samples: Int

    /// A timing with the given warm-up, sample length and sample count.
    package init(warmUp: Double, sampleLength: Double, samples: Int) {
        self.warmUp = warmUp
        self.sampleLength = sampleLength
        self.samples = samples
    }

    /// The calibration's timing: 0.1 s of warm-up and 7 samples of at least 25 ms, about 0.3 s
    /// per layer timed.
    package static let standard = CalibrationTiming(warmUp: 0.1, sampleLength: 0.025, samples: 7)

    /// The median over ``samples`` samples of the seconds one call of `body` takes, after the
    /// warm-up; `clock` gives the current time in seconds (a monotonic clock; tests pass a
    /// scripted one).
    package func secondsPerCall(clock: () -> Double, _ body: () -> Void) -> Double {
        let start = clock()
        repeat { body() } while clock() - start < warmUp
        var perCall: [Double] = []
        for _ in 0..<Swift.max(1, samples) {
            let begin = clock()
            var calls = 0, now = begin
            repeat {
                body()
                calls += 1
                now = clock()
            } while now - begin < sampleLength
            perCall.append((now - begin) / Double(calls))
        }
        perCall.sort()
        let n = perCall.count
        return n % 2 == 1 ? perCall[n / 2] : (perCall[n / 2 - 1] + perCall[n / 2]) / 2
    }

    /// The seconds since an arbitrary fixed instant, by the continuous (monotonic) clock.
    package static func monotonicSeconds() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static let origin = ContinuousClock.now
}
