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

    /// Times the loop at `tier` on `threads` threads for about `seconds` of wall clock after a
    /// short calibration run.
    /// - Precondition: `tier <= InstructionSet.supported`, `threads >= 1`, `seconds > 0`.
    package static func measure(tier: InstructionSet, threads: Int, seconds: Double) -> FMAPeak {
        precondition(tier <= InstructionSet.supported && threads >= 1 && seconds > 0)
        var iterations = 1 << 14
        var elapsed = run(tier: tier, threads: threads, iterations: iterations)
        while elapsed < seconds / 8 && iterations < 1 << 40 {
            iterations *= 2
            elapsed = run(tier: tier, threads: threads, iterations: iterations)
        }
        let scaled = Swift.max(iterations, Int(Double(iterations) * seconds / Swift.max(elapsed, 1e-9)))
        elapsed = run(tier: tier, threads: threads, iterations: scaled)
        let flops = wc_fma_peak_flops_per_iteration(tier.cValue) * Double(scaled) * Double(threads)
        return FMAPeak(tier: tier, threads: threads, gflops: flops / elapsed / 1e9)
    }

    /// Wall-clock seconds of `iterations` iterations of the loop on each of `threads` threads.
    private static func run(tier: InstructionSet, threads: Int, iterations: Int) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        concurrentPerform(threads) { _ in _ = wc_fma_peak_loop(tier.cValue, iterations) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}
