/// Folding a density into a kernel, `K = W ⊙ Φ` with Φ repeated over every (output, input)
/// channel pair, and the adjoint of that fold, side by side.
///
/// Both sweep the weights once in tiles of 16 repetitions of Φ, so that the loops run on
/// contiguous vectors (Φ has 9 values for a 3×3 kernel: a plain loop over channels and kernel
/// positions would not vectorise). A weighted training step calls each once per layer, on
/// weights of up to a few million values.
enum DensityFold {
    /// Repetitions of Φ per tile.
    private static let repetitions = 16
    /// Tiles whose ∂Φ partial sums are added in single precision before joining the
    /// double-precision total (bounds the rounding of long sums).
    private static let tilesPerFlush = 256

    /// Writes `kernel[i] = weight[i] · phi[i mod P]` (`P = phi.count`, `weight.count` a multiple of `P`).
    static func fold(
        weight: UnsafeBufferPointer<Float>, phi: [Float], into kernel: UnsafeMutableBufferPointer<Float>
    ) {
        let tiled = tile(phi), width = tiled.count, count = weight.count
        guard let w = weight.baseAddress, let k = kernel.baseAddress else { return }
        tiled.withUnsafeBufferPointer { t in
            let t = t.baseAddress!
            var start = 0
            while start + width <= count {
                for j in 0..<width { k[start + j] = w[start + j] * t[j] }
                start += width
            }
            for j in 0..<(count - start) { k[start + j] = w[start + j] * t[j] }
        }
    }

    /// The adjoint of ``fold(weight:phi:into:)``: turns `gradient` (∂L/∂K on entry) into ∂L/∂W
    /// in place, `∂W[i] = ∂K[i] · phi[i mod P]`, and returns `∂Φ[q] = Σ_{i mod P = q} ∂K[i] · W[i]`.
    static func unfold(
        gradient: UnsafeMutableBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, phi: [Float]
    ) -> [Double] {
        let tiled = tile(phi), width = tiled.count, count = weight.count, p = phi.count
        var total = [Double](repeating: 0, count: p)
        guard let g = gradient.baseAddress, let w = weight.baseAddress else { return total }
        var partial = [Float](repeating: 0, count: width)
        tiled.withUnsafeBufferPointer { t in
            partial.withUnsafeMutableBufferPointer { s in
                let t = t.baseAddress!, s = s.baseAddress!
                func flush() {
                    for j in 0..<width { total[j % p] += Double(s[j]) }
                    s.update(repeating: 0, count: width)
                }
                var start = 0, tiles = 0
                while start < count {
                    let length = Swift.min(width, count - start)
                    for j in 0..<length {
                        s[j] += g[start + j] * w[start + j]
                        g[start + j] *= t[j]
                    }
                    start += length
                    tiles += 1
                    if tiles == tilesPerFlush { flush(); tiles = 0 }
                }
                flush()
            }
        }
        return total
    }

    /// `phi` repeated ``repetitions`` times.
    private static func tile(_ phi: [Float]) -> [Float] {
        Array((0..<repetitions).map { _ in phi }.joined())
    }
}
