import GridCore


/// Pixel shuffle (`[B, C·r², H, W]` → `[B, C, H·r, W·r]`) or its inverse, pixel unshuffle,
/// as `torch.nn.PixelShuffle` / `PixelUnshuffle`: channel `c·r² + i·r + j` at `(y, x)` moves to
/// position `(y·r + i, x·r + j)` of channel `c`.
///
/// Sub-pixel upsampling (ESPCN, NAFNet's decoder) is a convolution to `C·r²` channels followed
/// by a shuffle: `Sequential([Convolution(…, outChannels: c * r * r, …), PixelShuffle(factor: r)])`.
public final class PixelShuffle: Module {
    /// The upscale factor `r`.
    public let factor: Int
    /// `false` for shuffle (upsampling), `true` for unshuffle (downsampling).
    public let inverse: Bool
    /// No effect.
    public var isTraining = true

    /// A shuffle (`inverse: false`) or unshuffle (`inverse: true`) by `factor`.
    public init(factor: Int, inverse: Bool = false) {
        precondition(factor >= 1, "pixel shuffle factor must be positive")
        self.factor = factor
        self.inverse = inverse
    }

    /// Rearranges channels and space.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` unless the input is `[B, C, H, W]` with `C`
    ///   divisible by `r²` (shuffle) or `H`, `W` divisible by `r` (unshuffle).
    public func forward(_ x: Variable) throws -> Variable {
        guard x.shape.count == 4 else { throw NetworkError.shapeMismatch("pixel shuffle needs [B, C, H, W], got \(x.shape)") }
        let r = factor
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let layout: ShuffleLayout
        if inverse {
            guard h % r == 0, w % r == 0 else { throw NetworkError.shapeMismatch("pixel unshuffle by \(r) of \(x.shape)") }
            layout = ShuffleLayout(planes: b * c, factor: r, height: h / r, width: w / r)
        } else {
            guard c % (r * r) == 0 else { throw NetworkError.shapeMismatch("pixel shuffle by \(r) of \(x.shape)") }
            layout = ShuffleLayout(planes: b * c / (r * r), factor: r, height: h, width: w)
        }
        let shape = inverse ? [b, c * r * r, h / r, w / r] : [b, c / (r * r), h * r, w * r]
        let toShuffled = !inverse
        let output = x.value.scalars.withUnsafeBufferPointer { input in
            [Float].filled(input.count) { out in layout.move(input, out, toShuffled: toShuffled) }
        }
        return result(Tensor(shape: shape, scalars: output), [x], operation: "pixel shuffle") { g in
            x.accumulateGradient { dx in layout.move(g, dx, toShuffled: !toShuffled) }
        }
    }
}

/// The correspondence between the packed layout `[P, r, r, H, W]` and the shuffled one
/// `[P, H, r, W, r]` (`P` output planes of `H·r × W·r`).
struct ShuffleLayout {
    let planes: Int, factor: Int, height: Int, width: Int

    /// Copies every value from one layout of `source` to the other in `target`.
    func move(_ source: UnsafeBufferPointer<Float>, _ target: UnsafeMutableBufferPointer<Float>, toShuffled: Bool) {
        let r = factor, rowLength = width * r
        var packed = 0
        for p in 0..<planes {
            for i in 0..<r {
                for j in 0..<r {
                    for y in 0..<height {
                        let shuffled = (p * height * r + y * r + i) * rowLength + j
                        if toShuffled {
                            for x in 0..<width { target[shuffled + x * r] = source[packed + x] }
                        } else {
                            for x in 0..<width { target[packed + x] = source[shuffled + x * r] }
                        }
                        packed += width
                    }
                }
            }
        }
    }
}
