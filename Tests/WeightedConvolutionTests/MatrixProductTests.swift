import Testing
import WeightedConvolution
import TestSupport

/// Both matrix-product kernels against a naive triple loop: random sizes (odd ones, sizes that
/// cross the own kernel's 12-row, 32-column, 256-deep, 192-row and 2048-column blocks), every
/// transposition, leading dimensions wider than the matrices, `beta` of 0, 1 and ½ (with 0 the
/// old contents, here NaN, must not be read), on one and several threads.
@Suite struct MatrixProductTests {
    static let kernels = MatrixProductKernel.allCases.filter(\.isAvailable)

    struct Case: Sendable, CustomTestStringConvertible {
        let m: Int, n: Int, k: Int, transA: Bool, transB: Bool, beta: Float, threads: Int
        var testDescription: String { "\(m)×\(n)×\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") β=\(beta) threads \(threads)" }
    }

    static let cases: [Case] = {
        var random = TestRandom(seed: 7)
        let sizes = [(1, 1, 1), (13, 37, 29), (12, 32, 256), (25, 65, 257), (193, 70, 300), (40, 2100, 20), (64, 96, 600)]
        return sizes.indices.map { i in
            let (m, n, k) = sizes[i]
            return Case(
                m: m, n: n, k: k, transA: random.pick([false, true]), transB: random.pick([false, true]),
                beta: [0, 1, 0.5][i % 3], threads: [1, 2, 3][i % 3])
        } + [Case(m: 30, n: 50, k: 70, transA: true, transB: true, beta: 0, threads: 2)]
    }()

    @Test(arguments: kernels, cases)
    func productMatchesNaiveLoops(kernel: MatrixProductKernel, c: Case) {
        var random = TestRandom(seed: UInt64(c.m * 1000 + c.n + c.k))
        // op(A) is m × k; stored A is (k × m) when transposed. Leading dimensions have 3 spare columns.
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + 3, ldb = bCols + 3, ldc = c.n + 3
        let a = random.values(aRows * lda), b = random.values(bRows * ldb)
        let initial = c.beta == 0 ? [Float](repeating: .nan, count: c.m * ldc) : random.values(c.m * ldc)
        var result = initial
        result.withUnsafeMutableBufferPointer { out in
            kernel.multiply(
                transposingA: c.transA, transposingB: c.transB, m: c.m, n: c.n, k: c.k, a: a, lda: lda, b: b, ldb: ldb,
                beta: c.beta, c: out.baseAddress!, ldc: ldc, threads: c.threads)
        }
        Self.expectNaiveProduct(result, of: c, a: a, lda: lda, b: b, ldb: ldb, initial: initial, ldc: ldc)
    }

    /// Checks `result` against `C = β·initial + op(A)·op(B)` by naive loops in `Double`, and that
    /// the spare columns of C were not written.
    static func expectNaiveProduct(
        _ result: [Float], of c: Case, a: [Float], lda: Int, b: [Float], ldb: Int, initial: [Float], ldc: Int
    ) {
        var expected = [Double](), actual = [Float]()
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = c.beta == 0 ? 0 : Double(c.beta) * Double(initial[i * ldc + j])
                for p in 0..<c.k {
                    let x = c.transA ? a[p * lda + i] : a[i * lda + p], y = c.transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                expected.append(sum)
                actual.append(result[i * ldc + j])
            }
            for j in c.n..<ldc { #expect(result[i * ldc + j].bitPattern == initial[i * ldc + j].bitPattern) }
        }
        #expect(relativeError(actual, expected) < 1e-5 * Double(max(1, c.k)).squareRoot(), "\(c.testDescription)")
    }

    /// The own kernel with `A` packed once (as the Winograd engine packs its transformed kernels)
    /// against the naive loops and, bit for bit, against the same product packing `A` on the call:
    /// sizes that cross the 12-row slivers, the 192-row and 256-deep blocks whose packed offsets
    /// the product computes, plain and transposed `A` and `B`, `beta` 0 (NaN in `C`) and ½.
    @Test(
        .enabled(if: MatrixProductKernel.packedAVX512.multipliesPackedMatrices, "the own kernel runs at the AVX-512 tier only"),
        arguments: [
            Case(m: 13, n: 37, k: 29, transA: false, transB: false, beta: 0, threads: 1),
            Case(m: 193, n: 70, k: 300, transA: true, transB: false, beta: 0.5, threads: 1),
            Case(m: 400, n: 33, k: 600, transA: false, transB: true, beta: 0, threads: 1),
            Case(m: 64, n: 64, k: 257, transA: true, transB: true, beta: 0.5, threads: 1),
        ])
    func packedProductMatchesNaiveLoops(c: Case) {
        let kernel = MatrixProductKernel.packedAVX512
        var random = TestRandom(seed: UInt64(c.m * 31 + c.k))
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + 2, ldb = bCols + 1, ldc = c.n + 3
        let a = random.values(aRows * lda), b = random.values(bRows * ldb)
        let initial = c.beta == 0 ? [Float](repeating: .nan, count: c.m * ldc) : random.values(c.m * ldc)
        var packed = [Float](repeating: .nan, count: MatrixProductKernel.packedCount(m: c.m, k: c.k))
        packed.withUnsafeMutableBufferPointer {
            kernel.pack(transposingA: c.transA, m: c.m, k: c.k, a: a, lda: lda, into: $0.baseAddress!)
        }
        var result = initial, unpacked = initial
        result.withUnsafeMutableBufferPointer { out in
            kernel.multiply(
                packedA: packed, m: c.m, n: c.n, k: c.k, transposingB: c.transB, b: b, ldb: ldb, beta: c.beta,
                c: out.baseAddress!, ldc: ldc)
        }
        unpacked.withUnsafeMutableBufferPointer { out in
            kernel.multiply(
                transposingA: c.transA, transposingB: c.transB, m: c.m, n: c.n, k: c.k, a: a, lda: lda, b: b, ldb: ldb,
                beta: c.beta, c: out.baseAddress!, ldc: ldc, threads: 1)
        }
        Self.expectNaiveProduct(result, of: c, a: a, lda: lda, b: b, ldb: ldb, initial: initial, ldc: ldc)
        #expect(result.map(\.bitPattern) == unpacked.map(\.bitPattern))
    }

    /// How the offsets of a gathered operand are laid out: which packing route the own kernel takes.
    enum Gathering: String, CaseIterable, Sendable {
        /// Columns in long runs of consecutive offsets (one vector load per depth step).
        case longColumnRuns
        /// Columns in runs of 5 (up to four masked loads per depth step).
        case shortColumnRuns
        /// Columns 2 apart in runs of 11, as a stride-2 layer's (masked loads and permutations).
        case stridedColumnRuns
        /// Scattered columns, depth in runs of 5 (masked loads and 16 × 16 transposes).
        case depthRuns
        /// Nothing consecutive (gathers).
        case scattered

        /// The offsets of depth `p` and of column `j`.
        func offsets(k: Int, n: Int) -> (depth: [Int], columns: [Int]) {
            switch self {
            case .longColumnRuns: ((0..<k).map { $0 * 97 }, (0..<n).map { $0 + $0 / 37 * 5 })
            case .shortColumnRuns: ((0..<k).map { $0 * 7 }, (0..<n).map { $0 / 5 * 50 + $0 % 5 })
            case .stridedColumnRuns: ((0..<k).map { $0 * 61 }, (0..<n).map { 2 * $0 + $0 / 11 * 9 })
            case .depthRuns: ((0..<k).map { $0 + $0 / 5 * 40 }, (0..<n).map { $0 * 29 })
            case .scattered: ((0..<k).map { $0 * 17 + $0 % 4 }, (0..<n).map { $0 * 31 })
            }
        }
    }

    /// Products with a gathered `B` against the naive loops, for each offset layout, on sizes
    /// that cross the 16-lane, 32-column and 256-deep blocks and OpenBLAS's 8 MiB copy slices,
    /// with `beta` 0 (NaN in `C`) and ½, one and two threads, transposed and plain `A`.
    @Test(arguments: kernels, Gathering.allCases)
    func gatheredProductMatchesNaiveLoops(kernel: MatrixProductKernel, gathering: Gathering) {
        var random = TestRandom(seed: 11)
        // The third size makes OpenBLAS's dense copy of B take several column slices.
        for (m, n, k, transA, beta, threads) in [(13, 70, 300, false, Float(0), 1), (30, 45, 21, true, 0.5, 2), (3, 7200, 300, false, 0.5, 1)] {
            let (depth, columns) = gathering.offsets(k: k, n: n)
            let base = random.values(depth.max()! + columns.max()! + 1)
            let lda = (transA ? m : k) + 2, ldc = n + 1
            let a = random.values((transA ? k : m) * lda)
            let initial = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : random.values(m * ldc)
            var result = initial
            base.withUnsafeBufferPointer { base in
                depth.withUnsafeBufferPointer { depth in
                    columns.withUnsafeBufferPointer { columns in
                        result.withUnsafeMutableBufferPointer { out in
                            let b = GatheredMatrix(
                                base: base.baseAddress!, depthOffsets: depth.baseAddress!, columnOffsets: columns.baseAddress!)
                            kernel.multiply(
                                transposingA: transA, m: m, n: n, k: k, a: a, lda: lda, gathering: b, beta: beta,
                                c: out.baseAddress!, ldc: ldc, threads: threads)
                        }
                    }
                }
            }
            var expected = [Double](), actual = [Float]()
            for i in 0..<m {
                for j in 0..<n {
                    var sum = beta == 0 ? 0 : Double(beta) * Double(initial[i * ldc + j])
                    for p in 0..<k {
                        sum += Double(transA ? a[p * lda + i] : a[i * lda + p]) * Double(base[depth[p] + columns[j]])
                    }
                    expected.append(sum)
                    actual.append(result[i * ldc + j])
                }
                #expect(result[i * ldc + n].bitPattern == initial[i * ldc + n].bitPattern)
            }
            #expect(actual.allSatisfy { $0.isFinite })
            #expect(relativeError(actual, expected) < 1e-5 * Double(k).squareRoot(), "\(m)×\(n)×\(k)")
        }
    }
}
