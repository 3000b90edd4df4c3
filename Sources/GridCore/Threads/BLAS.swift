import CBLAS
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The thin layer over OpenBLAS's thread count that ``ComputeThreads`` and the engines use.
///
/// OpenBLAS's thread count is process-wide state. Engines that run their own workers need every
/// matrix product single-threaded while they run; this keeps a count of such regions and sets
/// the library to one thread while any is open, restoring the previous count when the last closes.
package enum BLASThreads {
    private struct State {
        var openRegions = 0
        var savedThreads: Int32 = 1
    }

    private static let state = Mutex(State())

    /// Sets OpenBLAS's thread count now, or when the last open single-threaded region closes;
    /// a count outside `1...ComputeThreads.maximum` is clamped to it.
    package static func setThreads(_ count: Int) {
        let threads = Int32(Swift.min(Swift.max(1, count), ComputeThreads.maximum))
        state.withLock { state in
            if state.openRegions == 0 {
                openblas_set_num_threads(threads)
            } else {
                state.savedThreads = threads
            }
        }
    }

    /// Runs `body` with OpenBLAS limited to one thread (calls from several threads at once are fine).
    package static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { state in
            if state.openRegions == 0 {
                state.savedThreads = openblas_get_num_threads()
                if state.savedThreads != 1 { openblas_set_num_threads(1) }
            }
            state.openRegions += 1
        }
        defer {
            state.withLock { state in
                state.openRegions -= 1
                if state.openRegions == 0 && state.savedThreads != 1 { openblas_set_num_threads(state.savedThreads) }
            }
        }
        return try body()
    }
}

/// Which OpenBLAS kernels this process runs, for benchmark reports.
///
/// Debian's OpenBLAS is built for every x86 processor and picks its kernels when it is loaded,
/// unless `OPENBLAS_CORETYPE` names a set. Forcing an older set on a newer processor can halve
/// the speed of the direct path: on the machine of the measurements in `Docs/Convolution.md`
/// (AVX-512), SGEMM 2048³ on two cores ran at 244 GFLOP/s with `OPENBLAS_CORETYPE=Haswell`
/// (AVX2) and at 446 GFLOP/s with the set OpenBLAS detects (Cooperlake).
package enum BLASKernels {
    /// The name of the kernel set in use (`"Haswell"`, `"SkylakeX"`, `"Cooperlake"`, …).
    package static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The value of `OPENBLAS_CORETYPE` when set (the user chose the kernel set).
    package static var forcedName: String? { getenv("OPENBLAS_CORETYPE").map { String(cString: $0) } }

    /// One line for benchmark reports, e.g. `OpenBLAS kernels: Haswell (forced by OPENBLAS_CORETYPE)`.
    package static var description: String {
        "OpenBLAS kernels: \(name)" + (forcedName == nil ? " (detected)" : " (forced by OPENBLAS_CORETYPE)")
    }
}
