import ArgumentParser
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the benchmarks time: the wall clock (default), or the CPU time of the process (every
/// thread summed), which does not count the time the process waits for a processor. On a
/// machine shared with other work, CPU time with `--threads 1` compares two builds far more
/// steadily than the wall clock; it does not show how well threads overlap.
enum BenchClock {
    private static let countsCPUTime = Atomic<Bool>(false)

    /// Chooses the clock for the rest of the process.
    static func useCPUTime(_ enabled: Bool) { countsCPUTime.store(enabled, ordering: .relaxed) }

    /// The name of the clock in use, for the benchmarks' headers.
    static var name: String { countsCPUTime.load(ordering: .relaxed) ? "process CPU time" : "wall clock" }

    /// The seconds `body` takes on the chosen clock.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return now() - start
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(countsCPUTime.load(ordering: .relaxed) ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

/// The `--cpu-time` flag of the benchmarks.
struct BenchClockOptions: ParsableArguments {
    @Flag(help: "Time by the process's CPU time (all threads summed) instead of the wall clock: steadier on a shared machine, best with --threads 1.")
    var cpuTime = false

    /// Chooses the clock.
    func apply() { BenchClock.useCPUTime(cpuTime) }
}

/// The `--repeats` option of the benchmarks that report the best of several timed runs.
struct BenchRepeatOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: OptionRanges.repeats.help("Timed runs per figure (the best is reported)"),
            transform: OptionRanges.repeats.parse)
    var repeats = 5
}
