import GridCore

/// Clean volumes turned into noisy/clean 3-D patch pairs for denoising with additive white
/// Gaussian noise of standard deviation `σ/255`: random cubes with random flips of each axis for
/// training, a fixed set of cubes with fixed noise for validation. Batches are
/// `[n, 1, p, p, p]`. Flips only (no transposes), so anisotropic voxels keep their axes.
public struct VolumePatches: Sendable {
    /// Clean volumes `[x, y, z]`, values usually in `[0, 1]` (see ``unitScaled(_:)``).
    public let volumes: [Grid<3>]
    /// Side of the cubic patches.
    public let patchSize: Int
    /// Noise level on the 0–255 scale (e.g. 25).
    public let sigma: Float

    /// Patches of `volumes`.
    /// - Throws: ``DataError`` when there is no volume, `patchSize < 1`, or a volume is smaller
    ///   than a patch along an axis.
    public init(volumes: [Grid<3>], patchSize: Int, sigma: Float) throws(DataError) {
        guard !volumes.isEmpty else { throw DataError("(volumes)", "no clean volumes for denoising") }
        guard patchSize >= 1 else { throw DataError("(volumes)", "patch size must be at least 1, got \(patchSize)") }
        for (index, volume) in volumes.enumerated() where volume.dims.contains(where: { $0 < patchSize }) {
            throw DataError("(volume \(index))", "\(volume.dims) voxels are smaller than a \(patchSize)³ patch")
        }
        self.volumes = volumes
        self.patchSize = patchSize
        self.sigma = sigma
    }

    /// A volume in the unit range by ``IntensityScale`` (divided by its largest value when it has
    /// no negative values; shifted so its smallest becomes 0 when it has), the map `wconv denoise`
    /// applies to the volumes it is given. A volume with NaN or infinite values is returned as it
    /// is (``IntensityScale/init(of:source:)`` names them).
    public static func unitScaled(_ volume: Grid<3>) -> Grid<3> {
        (try? IntensityScale(of: volume)).map { $0.unit(volume) } ?? volume
    }

    /// A volume shrunk by an integer factor along every axis, averaging `factor³` blocks (area
    /// filter); a ragged far edge is dropped.
    /// - Precondition: `factor ≥ 1` and no smaller than an extent of the volume.
    public static func downscaled(_ volume: Grid<3>, by factor: Int) -> Grid<3> {
        precondition(factor >= 1 && volume.dims.allSatisfy { $0 >= factor }, "downscaling \(volume.dims) by \(factor)")
        guard factor > 1 else { return volume }
        let d = volume.dims, s = d.map { $0 / factor }
        var result = Grid<3>(shape: [s[0], s[1], s[2]])
        let scale = 1 / Float(factor * factor * factor)
        volume.withUnsafeBufferPointer { values in
            result.withUnsafeMutableBufferPointer { out in
                for x in 0..<s[0] { for y in 0..<s[1] { for z in 0..<s[2] {
                    var sum: Float = 0
                    for i in 0..<factor { for j in 0..<factor { for k in 0..<factor {
                        sum += values[((x * factor + i) * d[1] + y * factor + j) * d[2] + z * factor + k]
                    } } }
                    out[(x * s[1] + y) * s[2] + z] = sum * scale
                } } }
            }
        }
        return result
    }

    /// One volume cut in two along `axis` at `1 − validationFraction` of its extent: a training
    /// region and a validation region that share no voxel.
    /// - Throws: ``DataError`` when `axis` is not 0, 1 or 2, the fraction is not in `(0, 1)`, or a
    ///   region would be empty.
    public static func split(_ volume: Grid<3>, axis: Int, validationFraction: Double) throws(DataError)
        -> (training: Grid<3>, validation: Grid<3>) {
        guard (0..<3).contains(axis) else { throw DataError("(volume)", "split axis must be 0, 1 or 2, got \(axis)") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw DataError("(volume)", "validation fraction must be in (0, 1), got \(validationFraction)")
        }
        let extent = volume.dims[axis]
        let cut = Int((Double(extent) * (1 - validationFraction)).rounded())
        guard cut > 0, cut < extent else {
            throw DataError("(volume)", "an extent of \(extent) along axis \(axis) cannot be split at fraction \(validationFraction)")
        }
        func region(_ range: Range<Int>) -> Grid<3> {
            var start: InlineArray<3, Int> = [0, 0, 0], size: InlineArray<3, Int> = [volume.dims[0], volume.dims[1], volume.dims[2]]
            start[axis] = range.lowerBound
            size[axis] = range.count
            // Both regions lie inside the volume, so the crop cannot fail.
            return (try? volume.cropped(start: start, size: size)) ?? volume
        }
        return (region(0..<cut), region(cut..<extent))
    }

    /// Training batch `index` of an epoch of `count` random patches: volume, position, flips and
    /// noise are drawn from `(seed, epoch, index)` alone, so batches can be built in any order or
    /// concurrently.
    public func trainingBatch(_ index: Int, size: Int, count: Int, seed: UInt64, epoch: Int) -> Batch {
        var generator = batchGenerator(seed: seed, epoch: epoch, batch: index)
        return batch(of: min(size, count - index * size), generator: &generator, flip: true)
    }

    /// A fixed validation set of `count` patches with fixed noise (the same for every call with
    /// the same seed), in batches of `size`.
    public func validationBatches(size: Int, count: Int, seed: UInt64) -> [Batch] {
        stride(from: 0, to: count, by: size).enumerated().map { index, start in
            var generator = batchGenerator(seed: seed, epoch: -1, batch: index)
            return batch(of: min(size, count - start), generator: &generator, flip: false)
        }
    }

    private func batch(of count: Int, generator: inout SeededGenerator, flip: Bool) -> Batch {
        let p = patchSize, cube = p * p * p
        var clean = [Float](repeating: 0, count: count * cube)
        for slot in 0..<count {
            let volume = volumes[Int.random(in: 0..<volumes.count, using: &generator)]
            let d = volume.dims
            let corner = (0..<3).map { Int.random(in: 0...(d[$0] - p), using: &generator) }
            let flips = flip ? Int.random(in: 0..<8, using: &generator) : 0
            volume.withUnsafeBufferPointer { values in
                for x in 0..<p { for y in 0..<p { for z in 0..<p {
                    let sx = flips & 1 != 0 ? p - 1 - x : x, sy = flips & 2 != 0 ? p - 1 - y : y, sz = flips & 4 != 0 ? p - 1 - z : z
                    clean[slot * cube + (x * p + y) * p + z] = values[((corner[0] + sx) * d[1] + corner[1] + sy) * d[2] + corner[2] + sz]
                } } }
            }
        }
        return Batch(shape: [count, 1, p, p, p], input: noisy(clean, sigma: sigma, generator: &generator), target: clean)
    }
}

/// `clean` plus white Gaussian noise of standard deviation `σ/255`.
func noisy(_ clean: [Float], sigma: Float, generator: inout SeededGenerator) -> [Float] {
    let scale = sigma / 255
    return clean.map { $0 + scale * generator.nextNormal() }
}
