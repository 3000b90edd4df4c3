import CBLAS
import CMatrixProduct

/// Whether a matrix operand of ``gemm(_:_:_:_:_:_:_:_:_:_:_:_:threads:)`` is transposed.
enum Transpose {
    case no, yes
}

/// The matrix-product kernels the direct engine can run.
public enum MatrixProductKernel: String, Sendable, CaseIterable {
    /// The package's own blocked AVX-512 product (`CMatrixProduct`), on processors that have
    /// AVX-512F: it does not depend on the kernel set OpenBLAS was told to use.
    case packedAVX512 = "own AVX-512"
    /// OpenBLAS's `cblas_sgemm`.
    case openBLAS = "OpenBLAS"

    /// The kernel this processor runs: the own product where available, else OpenBLAS.
    public static let preferred: MatrixProductKernel = wc_sgemm_available() != 0 ? .packedAVX512 : .openBLAS

    /// Whether this processor can run the kernel.
    public var isAvailable: Bool { self == .openBLAS || wc_sgemm_available() != 0 }

    /// One line for benchmark reports, e.g. `matrix products: own AVX-512 (OpenBLAS kernels: Haswell …)`.
    public static var description: String { "matrix products: \(preferred.rawValue) (\(BLASKernels.description))" }
}

extension MatrixProductKernel {
    /// `C (m × n) = op(A) · op(B) + beta · C` on row-major matrices with leading dimensions
    /// `lda`, `ldb`, `ldc` (`op(A)` is `m × k`, `op(B)` is `k × n`); with `beta = 0`, `C` is not read.
    ///
    /// With `threads > 1` the own kernel splits the columns (or, for narrow products, the rows)
    /// of `C` into that many slices computed concurrently; OpenBLAS uses its own thread count.
    /// - Precondition: the kernel ``isAvailable``; the matrices hold the elements the sizes and
    ///   leading dimensions address.
    /// - Complexity: `2·m·n·k` flops; the own kernel packs blocks of the operands into
    ///   `O(k·(m + n))` floats of scratch, at most about 2.3 MiB per thread.
    public func multiply(
        transposingA transA: Bool, transposingB transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1
    ) {
        guard self == .packedAVX512 else {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(m),
                Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        precondition(isAvailable, "the own AVX-512 matrix product needs a processor with AVX-512F")
        let slices = PackedSlices(m: m, n: n, threads: threads)
        let product = { (rows: Range<Int>, columns: Range<Int>) in
            let a = a + (transA ? rows.lowerBound : rows.lowerBound * lda)
            let b = b + (transB ? columns.lowerBound * ldb : columns.lowerBound)
            let c = c + rows.lowerBound * ldc + columns.lowerBound
            let (m, n) = (rows.count, columns.count)
            WorkspaceCache.shared.withBuffer(count: wc_sgemm_workspace(m, n, k)) { workspace in
                wc_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc, workspace.baseAddress)
            }
        }
        guard slices.count > 1 else { return product(0..<m, 0..<n) }
        concurrentPerform(slices.count) { slice in
            if slices.splitsColumns {
                product(0..<m, slices.range(slice, of: n))
            } else {
                product(slices.range(slice, of: m), 0..<n)
            }
        }
    }
}

/// ``MatrixProductKernel/multiply(transposingA:transposingB:m:n:k:a:lda:b:ldb:beta:c:ldc:threads:)``
/// with the preferred kernel, in BLAS argument order.
@inline(__always)
func gemm(
    _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, threads: Int = 1
) {
    MatrixProductKernel.preferred.multiply(
        transposingA: transA == .yes, transposingB: transB == .yes, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
        beta: beta, c: c, ldc: ldc, threads: threads)
}

/// How a threaded product is cut: into column slices of whole panels of the kernel's tile width
/// when `C` is wide enough, else into row slices of whole slivers of its tile height, else not at all.
private struct PackedSlices {
    let count: Int
    let splitsColumns: Bool
    /// Columns or rows per unit of the split (the kernel's tile size along that axis).
    private let unit: Int

    init(m: Int, n: Int, threads: Int) {
        let width = Int(WC_SGEMM_TILE_COLUMNS), height = Int(WC_SGEMM_TILE_ROWS)
        let columnUnits = n / width, rowUnits = m / height
        if threads > 1 && columnUnits >= 2 * threads {
            (count, splitsColumns, unit) = (threads, true, width)
        } else if threads > 1 && rowUnits >= 2 {
            (count, splitsColumns, unit) = (Swift.min(threads, rowUnits), false, height)
        } else {
            (count, splitsColumns, unit) = (1, true, width)
        }
    }

    /// Slice `index` of `0..<size`: whole units, the last slice taking the remainder.
    func range(_ index: Int, of size: Int) -> Range<Int> {
        let units = (size + unit - 1) / unit
        let lower = Swift.min(size, index * units / count * unit)
        let upper = index == count - 1 ? size : Swift.min(size, (index + 1) * units / count * unit)
        return lower..<upper
    }
}
