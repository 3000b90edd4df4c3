import Foundation
import GridCore

/// Clean images turned into noisy/clean patch pairs for denoising with additive white Gaussian
/// noise of standard deviation `σ/255`: random patches with random flips and 90° rotations for
/// training, a fixed set of patches with fixed noise for validation.
public struct DenoisingDataset: Sendable {
    /// Clean images (all with the same channel count), samples in `[0, 1]`.
    public let images: [Image]
    /// Side of the square patches.
    public let patchSize: Int
    /// Noise level on the 0–255 scale (e.g. 25).
    public let sigma: Float

    /// A dataset of patches of `images`.
    /// - Throws: ``DataError`` when there is no image, channel counts differ, or an image is
    ///   smaller than a patch.
    public init(images: [Image], patchSize: Int, sigma: Float) throws(DataError) {
        guard let first = images.first else { throw DataError("(images)", "no clean images for denoising") }
        for (index, image) in images.enumerated() {
            guard image.channels == first.channels else {
                throw DataError("(image \(index))", "has \(image.channels) channels, the first has \(first.channels)")
            }
            guard image.height >= patchSize, image.width >= patchSize else {
                throw DataError("(image \(index))", "\(image.height)×\(image.width) is smaller than a \(patchSize)-pixel patch")
            }
        }
        self.images = images
        self.patchSize = patchSize
        self.sigma = sigma
    }

    /// The channel count of the images.
    public var channels: Int { images[0].channels }

    /// Reads every PNG and JPEG of a folder (sorted by name), as grey or RGB, shrunk by an
    /// integer factor (large photographs → clean targets with little camera noise).
    /// - Parameters:
    ///   - path: the folder.
    ///   - grey: whether to read grey images (else RGB).
    ///   - downscale: the factor the images are shrunk by.
    ///   - patchSize: the side of the patches the images are cut into: a smaller image (after
    ///     shrinking) is refused, naming its file.
    /// - Throws: ``DataError`` for a missing folder, no image in it, an unreadable image or one
    ///   smaller than a patch.
    public static func loadFolder(_ path: String, grey: Bool, downscale: Int = 1, patchSize: Int = 1) throws(DataError) -> [Image] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw DataError(path, "no such folder")
        }
        let files = names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !files.isEmpty else { throw DataError(path, "no PNG or JPEG image in the folder") }
        var images: [Image] = []
        for file in files {
            let image = try Image.read(path + "/" + file).colour(grey: grey).downscaled(by: downscale)
            guard image.height >= patchSize, image.width >= patchSize else {
                throw DataError(path + "/" + file, "\(image.height)×\(image.width)\(downscale > 1 ? " (shrunk by \(downscale))" : "") is smaller than a \(patchSize)-pixel patch")
            }
            images.append(image)
        }
        return images
    }

    /// Training batch `index` of an epoch of `count` random patches: image, position, one of the
    /// 8 flips/rotations and the noise are drawn from `(seed, epoch, index)` alone, so batches can
    /// be built in any order or concurrently.
    public func trainingBatch(_ index: Int, size: Int, count: Int, seed: UInt64, epoch: Int) -> Batch {
        var generator = batchGenerator(seed: seed, epoch: epoch, batch: index)
        return batch(of: min(size, count - index * size), generator: &generator, transform: true)
    }

    /// All training batches of an epoch (see ``trainingBatch(_:size:count:seed:epoch:)``).
    public func trainingBatches(size: Int, count: Int, seed: UInt64, epoch: Int) -> [Batch] {
        (0..<((count + size - 1) / size)).map { trainingBatch($0, size: size, count: count, seed: seed, epoch: epoch) }
    }

    /// A fixed validation set of `count` patches with fixed noise (the same for every call with
    /// the same seed), in batches of `size`.
    public func validationBatches(size: Int, count: Int, seed: UInt64) -> [Batch] {
        stride(from: 0, to: count, by: size).enumerated().map { index, start in
            var generator = batchGenerator(seed: seed, epoch: -1, batch: index)
            return batch(of: min(size, count - start), generator: &generator, transform: false)
        }
    }

    private func batch(of count: Int, generator: inout SeededGenerator, transform: Bool) -> Batch {
        let (c, p) = (channels, patchSize)
        var clean = [Float](repeating: 0, count: count * c * p * p)
        for slot in 0..<count {
            let image = images[Int.random(in: 0..<images.count, using: &generator)]
            let top = Int.random(in: 0...(image.height - p), using: &generator)
            let left = Int.random(in: 0...(image.width - p), using: &generator)
            let symmetry = transform ? Int.random(in: 0..<8, using: &generator) : 0
            for channel in 0..<c {
                for y in 0..<p {
                    for x in 0..<p {
                        // Dihedral transform: optional transpose, then optional flips of each axis.
                        var (sy, sx) = symmetry & 4 != 0 ? (x, y) : (y, x)
                        if symmetry & 1 != 0 { sy = p - 1 - sy }
                        if symmetry & 2 != 0 { sx = p - 1 - sx }
                        clean[((slot * c + channel) * p + y) * p + x] =
                            image.pixels[(channel * image.height + top + sy) * image.width + left + sx]
                    }
                }
            }
        }
        return Batch(shape: [count, c, p, p], input: noisy(clean, sigma: sigma, generator: &generator), target: clean)
    }
}
