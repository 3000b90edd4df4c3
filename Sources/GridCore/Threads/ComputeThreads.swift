import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The number of threads the package computes on: the direct and FFT engines' workers, the
/// training stack's parallel loops and OpenBLAS's own threads.
///
/// Defaults to the processors online. Set it once, before the first convolution (engines are
/// planned for the count in force when they are created and then cached), e.g. from a
/// `--threads` option. Results do not depend on it except for the order of floating-point sums
/// that are split across workers (kernel gradients, channel statistics).
public enum ComputeThreads {
    /// 0: not set (use the processors online).
    private static let chosen = Atomic<Int>(0)

    /// The number of processors online (at least 1).
    public static let processorCount: Int = {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// The most threads ``count`` takes (a larger value is clamped to it, a value below 1 to 1).
    public static let maximum = 1024

    /// Threads to compute on, in `1...maximum`; setting it also sets OpenBLAS's thread count.
    public static var count: Int {
        get {
            let value = chosen.load(ordering: .relaxed)
            return value > 0 ? value : processorCount
        }
        set {
            let value = Swift.min(Swift.max(1, newValue), maximum)
            chosen.store(value, ordering: .relaxed)
            BLASThreads.setThreads(value)
        }
    }

    /// Calls `body` on contiguous slices covering `0..<count`, one per thread (at most
    /// ``count`` threads), and returns when all have returned. The slices depend only on
    /// `count` and the thread count.
    ///
    /// The calls may run concurrently, so `body` must only write memory that is disjoint per
    /// slice (it may capture raw pointers, which the compiler cannot check: that is the
    /// caller's duty).
    public static func split(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = Swift.max(1, Swift.min(self.count, count))
        guard threads > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        concurrentPerform(threads) { t in body((t * count / threads)..<((t + 1) * count / threads)) }
    }
}

/// Calls `body(i)` for `i` in `0..<count` on up to `count` threads at once and returns when all
/// calls have returned.
///
/// The calls may run concurrently, so `body` must only write memory that is disjoint per index
/// (it may capture raw pointers, which the compiler cannot check: that is the caller's duty).
package func concurrentPerform(_ count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(value: body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
}

/// A value handed to concurrent code whose thread safety the caller guarantees.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
