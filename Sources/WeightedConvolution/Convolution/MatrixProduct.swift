import CBLAS
import CMatrixProduct
import GridCore

/// The matrix-product kernels the direct engine can run.
package enum MatrixProductKernel: String, Sendable, CaseIterable {
    /// The package's own blocked AVX-512 product (`CMatrixProduct`), at the AVX-512
    /// instruction-set tier (``InstructionSet``): it does not depend on the kernel set OpenBLAS
    /// was told to use.
    case packedAVX512 = "own AVX-512"
    /// OpenBLAS's `cblas_sgemm`.
    case openBLAS = "OpenBLAS"

    /// The kernel this process runs: the own product at the AVX-512 tier, else OpenBLAS.
    package static let preferred: MatrixProductKernel = wc_sgemm_available() != 0 ? .packedAVX512 : .openBLAS

    /// Whether the kernel runs at the active instruction-set tier.
    package var isAvailable: Bool { self == .openBLAS || wc_sgemm_available() != 0 }

    /// One line for benchmark reports, e.g. `matrix products: own AVX-512 (OpenBLAS kernels: Haswell …)`.
    package static var description: String { "matrix products: \(preferred.rawValue) (\(BLASKernels.description))" }
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
    package func multiply(
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
        packedSlices(transposingA: transA, m: m, n: n, k: k, a: a, lda: lda, c: c, ldc: ldc, threads: threads) {
            a, c, m, n, firstColumn, workspace in
            let b = b + (transB ? firstColumn * ldb : firstColumn)
            wc_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc, workspace)
        }
    }

    /// `C (m × n) = op(A) · B + beta · C` with `B (k × n)` read through offset tables (see
    /// ``GatheredMatrix``): the own kernel packs `B` straight from `b.base`; OpenBLAS first copies
    /// `B` into a dense scratch matrix, in column slices of at most 8 MiB.
    ///
    /// Threads, leading dimensions and `beta` as in
    /// ``multiply(transposingA:transposingB:m:n:k:a:lda:b:ldb:beta:c:ldc:threads:)``.
    /// - Precondition: the kernel ``isAvailable``; `b` has `k` depth and `n` column offsets, and
    ///   every `b.base[depth + column]` is readable.
    package func multiply(
        transposingA transA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, gathering b: GatheredMatrix,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1
    ) {
        guard self == .packedAVX512 else {
            // Column slices of at most 8 MiB of copied B, so the copy is still in cache when read.
            let width = Swift.min(n, Swift.max(64, Self.copiedElements / Swift.max(k, 1)))
            WorkspaceCache.shared.withBuffer(count: k * width) { dense in
                for first in stride(from: 0, to: n, by: width) {
                    let count = Swift.min(width, n - first)
                    let slice = GatheredMatrix(base: b.base, depthOffsets: b.depthOffsets, columnOffsets: b.columnOffsets + first)
                    slice.copy(depth: k, columns: count, into: dense.baseAddress!)
                    multiply(
                        transposingA: transA, transposingB: false, m: m, n: count, k: k, a: a, lda: lda,
                        b: dense.baseAddress!, ldb: count, beta: beta, c: c + first, ldc: ldc, threads: threads)
                }
            }
            return
        }
        packedSlices(transposingA: transA, m: m, n: n, k: k, a: a, lda: lda, c: c, ldc: ldc, threads: threads) {
            a, c, m, n, firstColumn, workspace in
            wc_sgemm_gathered(
                transA ? 1 : 0, m, n, k, a, lda, b.base, b.depthOffsets, b.columnOffsets + firstColumn, beta, c, ldc,
                workspace)
        }
    }

    /// Whether this kernel can multiply by a matrix packed once (``pack(transposingA:m:k:a:lda:into:)``):
    /// the own AVX-512 kernel can, OpenBLAS cannot.
    package var multipliesPackedMatrices: Bool { self == .packedAVX512 && isAvailable }

    /// Floats of an `m × k` matrix packed by ``pack(transposingA:m:k:a:lda:into:)``.
    package static func packedCount(m: Int, k: Int) -> Int { wc_sgemm_packed_a_size(m, k) }

    /// Packs `op(A)` (`m × k`, row-major with leading dimension `lda`, read transposed when
    /// `transA`) into `packed` (``packedCount(m:k:)`` floats) for
    /// ``multiply(packedA:m:n:k:transposingB:b:ldb:beta:c:ldc:)``: a matrix multiplied by many
    /// right-hand sides is then packed once instead of on every product.
    /// - Precondition: ``multipliesPackedMatrices``.
    package func pack(
        transposingA transA: Bool, m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        precondition(multipliesPackedMatrices, "only the own AVX-512 matrix product packs matrices")
        wc_sgemm_pack_a(transA ? 1 : 0, m, k, a, lda, packed)
    }

    /// `C (m × n) = A · op(B) + beta · C` with `A (m × k)` packed by
    /// ``pack(transposingA:m:k:a:lda:into:)`` (the same `m` and `k`), on the calling thread; the
    /// same result as packing `A` on the call.
    /// - Precondition: ``multipliesPackedMatrices``.
    package func multiply(
        packedA: UnsafePointer<Float>, m: Int, n: Int, k: Int, transposingB transB: Bool, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(multipliesPackedMatrices, "only the own AVX-512 matrix product multiplies packed matrices")
        WorkspaceCache.shared.withBuffer(count: wc_sgemm_workspace(m, n, k)) { workspace in
            wc_sgemm_packed(m, n, k, packedA, transB ? 1 : 0, b, ldb, beta, c, ldc, workspace.baseAddress!)
        }
    }

    /// Elements of `B` the OpenBLAS path copies at a time (8 MiB, a quarter of the L3 cache of
    /// the machine measured: the im2col tile size that measured best).
    private static let copiedElements = 2 * 1024 * 1024

    /// Runs the own kernel's `product(a, c, m, n, firstColumn, workspace)` on the slices of an
    /// `m × n` result that `threads` threads compute concurrently (one slice, the whole result,
    /// when `threads` is 1 or the result is small): `a` and `c` point at the slice's first row
    /// and column, `firstColumn` is its first column in the whole result (for `B`'s offset), and
    /// `workspace` holds `wc_sgemm_workspace` floats for the slice.
    private func packedSlices(
        transposingA transA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int,
        _ product: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        precondition(isAvailable, "the own AVX-512 matrix product needs the AVX-512 instruction-set tier")
        func run(_ rows: Range<Int>, _ columns: Range<Int>) {
            let a = a + (transA ? rows.lowerBound : rows.lowerBound * lda)
            let c = c + rows.lowerBound * ldc + columns.lowerBound
            WorkspaceCache.shared.withBuffer(count: wc_sgemm_workspace(rows.count, columns.count, k)) { workspace in
                product(a, c, rows.count, columns.count, columns.lowerBound, workspace.baseAddress!)
            }
        }
        let slices = PackedSlices(m: m, n: n, threads: threads)
        guard slices.count > 1 else { return run(0..<m, 0..<n) }
        concurrentPerform(slices.count) { slice in
            if slices.splitsColumns {
                run(0..<m, slices.range(slice, of: n))
            } else {
                run(slices.range(slice, of: m), 0..<n)
            }
        }
    }
}

/// A `k × n` matrix read through offset tables: element `(p, j)` is
/// `base[depthOffsets[p] + columnOffsets[j]]`. The column matrix of a convolution is one: `p`
/// runs over (input channel, kernel tap), `j` over output positions, and the offsets address the
/// zero-padded input, so the matrix is never written out.
package struct GatheredMatrix {
    /// The storage every element is read from.
    package let base: UnsafePointer<Float>
    /// Offset of each row (depth index `p`).
    package let depthOffsets: UnsafePointer<Int>
    /// Offset of each column `j`.
    package let columnOffsets: UnsafePointer<Int>

    /// The matrix `base[depthOffsets[p] + columnOffsets[j]]`.
    package init(base: UnsafePointer<Float>, depthOffsets: UnsafePointer<Int>, columnOffsets: UnsafePointer<Int>) {
        self.base = base
        self.depthOffsets = depthOffsets
        self.columnOffsets = columnOffsets
    }

    /// Writes the first `depth` rows and `columns` columns as a dense row-major matrix: runs of
    /// consecutive column offsets are copied at once when they are long, else element by element.
    func copy(depth: Int, columns: Int, into dense: UnsafeMutablePointer<Float>) {
        guard columns > 0 else { return }
        var runs: [(first: Int, count: Int)] = []
        var first = 0
        for j in 1...columns where j == columns || columnOffsets[j] != columnOffsets[j - 1] + 1 {
            runs.append((first, j - first))
            first = j
        }
        let copiesRuns = columns >= 4 * runs.count
        for p in 0..<depth {
            let row = base + depthOffsets[p], out = dense + p * columns
            if copiesRuns {
                for run in runs { (out + run.first).update(from: row + columnOffsets[run.first], count: run.count) }
            } else {
                for j in 0..<columns { out[j] = row[columnOffsets[j]] }
            }
        }
    }
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
