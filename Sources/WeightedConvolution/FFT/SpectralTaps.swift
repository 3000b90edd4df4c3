import Foundation
import GridCore

/// Transforms of many signals that are non-zero at a few positions only (taps), and inverse
/// transforms read at those taps, each as real matrix products: the FFT path's kernels and
/// kernel gradient, `k^d` taps of transforms of `L^d = N` values.
///
/// The spectrum of a signal `x` non-zero at the taps `q` is `S(f) = Σ_q x(q) · (cos θ − i sin θ)`,
/// `θ = 2π Σ_a f_a·q_a / L_a`: `taps (signals × k^d) · T (k^d × 32·blocks)` in ``SpectralBlocks``
/// storage. Conversely, a real signal whose half spectrum `S` (last axis halved, as FFTW's r2c
/// writes it) is known has at `q` the value
/// `x(q) = (1/N) Σ_f w(f) · (Re S(f) · cos θ − Im S(f) · sin θ)`, with `w = 1` on the planes the
/// halving keeps once (last-axis frequency 0 and, for even lengths, `L/2`) and 2 elsewhere: over
/// spectra stored signal-major, `spectra (signals × 32·blocks) · E (32·blocks × taps)`. Either
/// way `2F·k^d` multiply-adds per signal instead of a transform of `N·log N` — fewer for small
/// kernels, and at the speed of the matrix product.
struct SpectralTaps {
    /// `T`, row-major (one row per tap, `32·blocks` columns; zero columns for padded frequencies).
    private let forward: [Float]
    /// `E`, row-major (`32·blocks` rows, one column per tap; zero rows for padded frequencies).
    private let inverse: [Float]
    /// Taps read per signal.
    let taps: Int
    /// Rows of `E`, the floats of one signal's spectrum in ``SpectralBlocks`` storage.
    let depth: Int

    /// The taps of `block` (positions inside transforms of `size`, whose spectra have `frequencies`
    /// complex values).
    init(size: [Int], block: StridedBlock, frequencies: Int) {
        let lanes = SpectralBlocks.lanes, rank = size.count, last = size[rank - 1]
        let complexSize = size.dropLast() + [last / 2 + 1]
        let total = Double(size.reduce(1, *))
        let taps = block.shape.reduce(1, *), depth = SpectralBlocks.signalMajor(signals: 1, frequencies: frequencies).signalStride
        self.taps = taps
        self.depth = depth
        var positions: [[Int]] = []
        RowMajor.forEachIndex(block.shape) { q in positions.append(q.indices.map { block.offset[$0] + q[$0] * block.step[$0] }) }
        var forward = [Float](repeating: 0, count: depth * taps), inverse = forward, f = 0
        RowMajor.forEachIndex(Array(complexSize)) { frequency in
            defer { f += 1 }
            let weight = frequency[rank - 1] == 0 || 2 * frequency[rank - 1] == last ? 1.0 : 2.0
            let row = (f / lanes) * SpectralBlocks.elementWidth + f % lanes
            for (t, q) in positions.enumerated() {
                let turns = (0..<rank).reduce(0.0) { $0 + Double(frequency[$1] * q[$1] % size[$1]) / Double(size[$1]) }
                let (re, im) = (cos(2 * .pi * turns), -sin(2 * .pi * turns))
                forward[t * depth + row] = Float(re)
                forward[t * depth + row + lanes] = Float(im)
                inverse[row * taps + t] = Float(weight * re / total)
                inverse[(row + lanes) * taps + t] = Float(weight * im / total)
            }
        }
        precondition(f == frequencies, "\(frequencies) frequencies for transforms of \(size)")
        self.forward = forward
        self.inverse = inverse
    }

    /// The bytes of `T` and `E`.
    var retainedBytes: Int { (forward.count + inverse.count) * MemoryLayout<Float>.stride }

    /// Writes the spectra of the `layout.signals` signals given by their `taps` values each (one
    /// signal after the other in `values`) to `spectra`, stored as `layout` says: one product per
    /// block of frequencies, `values · T[:, block]`, the blocks split over the compute threads.
    func transform(_ values: UnsafePointer<Float>, into spectra: UnsafeMutablePointer<Float>, layout: SpectralBlocks) {
        let width = SpectralBlocks.elementWidth
        // One-threaded products inside the workers (OpenBLAS would start its own threads).
        forward.withUnsafeBufferPointer { t in
            BLASThreads.singleThreaded {
                ComputeThreads.split(layout.blocks) { blocks in
                    for block in blocks {
                        MatrixProductKernel.preferred.multiply(
                            transposingA: false, transposingB: false, m: layout.signals, n: width, k: taps, a: values,
                            lda: taps, b: t.baseAddress! + block * width, ldb: depth, beta: 0,
                            c: spectra + block * layout.blockStride, ldc: layout.signalStride)
                    }
                }
            }
        }
    }

    /// Writes the `taps` values of each of `signals` spectra (signal-major ``SpectralBlocks``
    /// storage, `depth` floats each) one signal after the other into `destination`.
    func read(_ spectra: UnsafePointer<Float>, signals: Int, into destination: UnsafeMutablePointer<Float>) {
        inverse.withUnsafeBufferPointer { e in
            MatrixProductKernel.preferred.multiply(
                transposingA: false, transposingB: false, m: signals, n: taps, k: depth, a: spectra, lda: depth,
                b: e.baseAddress!, ldb: taps, beta: 0, c: destination, ldc: taps, threads: ComputeThreads.count)
        }
    }
}
