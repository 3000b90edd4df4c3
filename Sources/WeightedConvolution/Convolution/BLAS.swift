import CBLAS
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The thin layer over OpenBLAS the direct engine uses: its thread count and `sgemm`.
///
/// OpenBLAS's thread count is process-wide state. Engines that run their own workers need every
/// matrix product single-threaded while they run; this keeps a count of such regions and sets
/// the library to one thread while any is open, restoring the previous count when the last closes.
enum BLASThreads {
    private struct State {
        var openRegions = 0
        var savedThreads: Int32 = 1
    }

    private static let state = Mutex(State())

    /// The number of processors online (at least 1).
    static let processorCount: Int = {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// Runs `body` with OpenBLAS limited to one thread (calls from several threads at once are fine).
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
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

/// Whether a matrix operand of ``gemm(_:_:_:_:_:_:_:_:_:_:_:_:)`` is transposed.
enum Transpose {
    case no, yes

    var cblas: CBLAS_TRANSPOSE { self == .no ? CblasNoTrans : CblasTrans }
}

/// `C (m × n) = op(A) · op(B) + beta · C` on row-major matrices with leading dimensions
/// `lda`, `ldb`, `ldc` (`op(A)` is `m × k`, `op(B)` is `k × n`).
@inline(__always)
func gemm(
    _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb),
        beta, c, Int32(ldc))
}
