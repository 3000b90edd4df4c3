import Foundation
import GridCore

/// The inverse transforms of many spectra read at a few positions only, as one real matrix
/// product: what the FFT path's kernel gradient needs, `k^d` taps of transforms of `L^d` values.
///
/// For a real signal of `N` values whose half spectrum `S` (last axis halved, as FFTW's r2c
/// writes it) is known, the value at position `q` is
/// `x(q) = (1/N) Σ_f w(f) · (Re S(f) · cos θ − Im S(f) · sin θ)`, `θ = 2π Σ_a f_a·q_a / L_a`,
/// with `w = 1` on the planes the halving keeps once (last-axis frequency 0 and, for even
/// lengths, `L/2`) and 2 elsewhere. Over spectra stored signal-major in ``SpectralBlocks``, the
/// taps of every signal are `spectra (signals × 32·blocks) · E (32·blocks × taps)`: 2·F·k^d
/// multiply-adds per signal instead of a c2r transform of `L^d·log L` — fewer for small kernels,
/// and at the speed of the matrix product.
struct SpectralTaps {
    /// `E`, row-major (`32·blocks` rows, one column per tap; zero rows for padded frequencies).
    private let matrix: [Float]
    /// Taps read per signal.
    let taps: Int
    /// Rows of `E`, the floats of one signal's spectrum in ``SpectralBlocks`` storage.
    let depth: Int

    /// The taps of `block` (positions inside transforms of `size`), for spectra stored like `layout`.
    init(size: [Int], block: StridedBlock, layout: SpectralBlocks) {
        let lanes = SpectralBlocks.lanes, rank = size.count, last = size[rank - 1]
        let complexSize = size.dropLast() + [last / 2 + 1]
        let total = Double(size.reduce(1, *))
        let taps = block.shape.reduce(1, *), depth = layout.blocks * SpectralBlocks.elementWidth
        self.taps = taps
        self.depth = depth
        var positions: [[Int]] = []
        RowMajor.forEachIndex(block.shape) { q in positions.append(q.indices.map { block.offset[$0] + q[$0] * block.step[$0] }) }
        var matrix = [Float](repeating: 0, count: depth * taps), f = 0
        RowMajor.forEachIndex(Array(complexSize)) { frequency in
            defer { f += 1 }
            let weight = frequency[rank - 1] == 0 || 2 * frequency[rank - 1] == last ? 1.0 : 2.0
            let row = (f / lanes) * SpectralBlocks.elementWidth + f % lanes
            for (t, q) in positions.enumerated() {
                let turns = (0..<rank).reduce(0.0) { $0 + Double(frequency[$1] * q[$1] % size[$1]) / Double(size[$1]) }
                matrix[row * taps + t] = Float(weight * cos(2 * .pi * turns) / total)
                matrix[(row + lanes) * taps + t] = Float(-weight * sin(2 * .pi * turns) / total)
            }
        }
        precondition(f == layout.frequencies, "the layout holds spectra of transforms of this size")
        self.matrix = matrix
    }

    /// The bytes of `E`.
    var retainedBytes: Int { matrix.count * MemoryLayout<Float>.stride }

    /// Writes the `taps` values of each of `signals` spectra (signal-major ``SpectralBlocks``
    /// storage, `depth` floats each) one signal after the other into `destination`.
    func read(_ spectra: UnsafePointer<Float>, signals: Int, into destination: UnsafeMutablePointer<Float>) {
        matrix.withUnsafeBufferPointer { e in
            MatrixProductKernel.preferred.multiply(
                transposingA: false, transposingB: false, m: signals, n: taps, k: depth, a: spectra, lda: depth,
                b: e.baseAddress!, ldb: taps, beta: 0, c: destination, ldc: taps, threads: ComputeThreads.count)
        }
    }
}
