import CMatrixProduct
import Dispatch
import GridCore

/// The processor's arithmetic peak at one instruction-set tier: a loop of independent
/// multiply-adds on the tier's widest vectors that never touches memory, timed on a number of
/// threads at once. No convolution can run faster; a benchmark's GFLOP/s divided by it says how
/// close to the limit a kernel runs.
package struct FMAPeak: Sendable {
    /// The tier measured.
    package let tier: InstructionSet
    /// The threads that ran the loop at once.
    package let threads: Int
    /// Floating-point operations per second of all threads together, in billions (a fused
    /// multiply-add counts two).
    package let gflops: Double

    /// Times the loop at `tier` on `threads` threads for about `seconds` after a short
    /// calibration run, by `clock` (the seconds the closure it gets takes; the wall clock by
    /// default — with the process's CPU time, the figure is per thread-second of CPU).
    /// - Precondition: `tier <= InstructionSet.supported`, `threads >= 1`, `seconds > 0`.
    package static func measure(
        tier: InstructionSet, threads: Int, seconds: Double, clock: (() -> Void) -> Double = wallSeconds
    ) -> FMAPeak {
        precondition(tier <= InstructionSet.supported && threads >= 1 && seconds > 0)
        func run(_ iterations: Int) -> Double {
            clock { concurrentPerform(threads) { _ in _ = wc_fma_peak_loop(tier.cValue, iterations) } }
        }
        var iterations = 1 << 14
        var elapsed = run(iterations)
        while elapsed < seconds / 8 && iterations < 1 << 40 {
            iterations *= 2
            elapsed = run(iterations)
        }
        let scaled = Swift.max(iterations, Int(Double(iterations) * seconds / Swift.max(elapsed, 1e-9)))
        elapsed = run(scaled)
        let flops = wc_fma_peak_flops_per_iteration(tier.cValue) * Double(scaled) * Double(threads)
        return FMAPeak(tier: tier, threads: threads, gflops: flops / elapsed / 1e9)
    }

    /// The wall-clock seconds `body` takes.
    package static func wallSeconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}
