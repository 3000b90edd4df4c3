import GridCore

/// Folding a density into a kernel, `K = W ⊙ Φ` with Φ repeated over every (output, input)
/// channel pair, and the adjoint of that fold, side by side.
///
/// Both sweep the weights once in tiles of 16 repetitions of Φ, so that the loops run on
/// contiguous vectors (Φ has 9 values for a 3×3 kernel: a plain loop over channels and kernel
/// positions would not vectorise), large kernels in one slice of whole tiles per compute thread.
/// A weighted training step calls each once per layer, on weights of up to a few million values.
enum DensityFold {
    /// Repetitions of Φ per tile.
    private static let repetitions = 16
    /// Tiles whose ∂Φ partial sums are added in single precision before joining the
    /// double-precision total (bounds the rounding of long sums).
    private static let tilesPerFlush = 256
    /// Fewest tiles a thread takes (smaller kernels are folded on one thread).
    private static let minimumTilesPerSlice = 1024

    /// Writes `kernel[i] = weight[i] · phi[i mod P]` (`P = phi.count`, `weight.count` a multiple of `P`).
    static func fold(
        weight: UnsafeBufferPointer<Float>, phi: [Float], into kernel: UnsafeMutableBufferPointer<Float>
    ) {
        let tiled = tile(phi), width = tiled.count
        guard let w = weight.baseAddress, let k = kernel.baseAddress else { return }
        tiled.withUnsafeBufferPointer { t in
            let t = t.baseAddress!
            Slices(values: weight.count, width: width).forEach { _, slice in
                var start = slice.lowerBound
                while start < slice.upperBound {
                    let length = Swift.min(width, slice.upperBound - start)
                    // Pointers rebased once per tile: an index sum `start + j` in the loop would be
                    // checked for overflow, and the check's exit keeps the loop from vectorising.
                    let (kernelTile, weightTile) = (k + start, w + start)
                    for j in 0..<length { kernelTile[j] = weightTile[j] * t[j] }
                    start += length
                }
            }
        }
    }

    /// The adjoint of ``fold(weight:phi:into:)``: turns `gradient` (∂L/∂K on entry) into ∂L/∂W
    /// in place, `∂W[i] = ∂K[i] · phi[i mod P]`, and returns `∂Φ[q] = Σ_{i mod P = q} ∂K[i] · W[i]`.
    static func unfold(
        gradient: UnsafeMutableBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, phi: [Float]
    ) -> [Double] {
        let tiled = tile(phi), width = tiled.count, count = weight.count, p = phi.count
        guard let g = gradient.baseAddress, let w = weight.baseAddress else { return [Double](repeating: 0, count: p) }
        let slices = Slices(values: count, width: width)
        // One ∂Φ total per slice, added in slice order at the end.
        var totals = [Double](repeating: 0, count: slices.count * p)
        tiled.withUnsafeBufferPointer { t in
            totals.withUnsafeMutableBufferPointer { totals in
                let t = t.baseAddress!
                slices.forEach { index, slice in
                    let total = totals.baseAddress! + index * p
                    var partial = [Float](repeating: 0, count: width)
                    partial.withUnsafeMutableBufferPointer { s in
                        let s = s.baseAddress!
                        func flush() {
                            for j in 0..<width { total[j % p] += Double(s[j]) }
                            s.update(repeating: 0, count: width)
                        }
                        var start = slice.lowerBound, tiles = 0
                        while start < slice.upperBound {
                            let length = Swift.min(width, slice.upperBound - start)
                            let (gradientTile, weightTile) = (g + start, w + start)  // as in fold
                            for j in 0..<length {
                                s[j] += gradientTile[j] * weightTile[j]
                                gradientTile[j] *= t[j]
                            }
                            start += length
                            tiles += 1
                            if tiles == tilesPerFlush { flush(); tiles = 0 }
                        }
                        flush()
                    }
                }
            }
        }
        return (0..<p).map { q in (0..<slices.count).reduce(0) { $0 + totals[$1 * p + q] } }
    }

    /// Consecutive slices of `0..<values` that start on tile boundaries (multiples of `width`, so
    /// that `i mod P` matches the tiled Φ): one per compute thread, but at least
    /// ``minimumTilesPerSlice`` tiles each, so small kernels stay on one thread.
    private struct Slices {
        let values: Int, length: Int, count: Int

        init(values: Int, width: Int) {
            let tiles = (values + width - 1) / width
            let perThread = (tiles + ComputeThreads.count - 1) / ComputeThreads.count
            self.values = values
            length = Swift.max(perThread, DensityFold.minimumTilesPerSlice) * width
            count = Swift.max(1, (values + length - 1) / length)
        }

        /// Calls `body(index, range)` for every slice, concurrently.
        func forEach(_ body: (Int, Range<Int>) -> Void) {
            guard count > 1 else { return body(0, 0..<values) }
            ComputeThreads.split(count) { part in
                for slice in part { body(slice, (slice * length)..<Swift.min(values, (slice + 1) * length)) }
            }
        }
    }

    /// `phi` repeated ``repetitions`` times.
    private static func tile(_ phi: [Float]) -> [Float] {
        Array((0..<repetitions).map { _ in phi }.joined())
    }
}
