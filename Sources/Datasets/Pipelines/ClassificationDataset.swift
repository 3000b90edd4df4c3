import GridCore


/// Labelled images ready for training: per-channel normalisation, seeded shuffling and
/// batching, and optional augmentation (random crop with zero padding, horizontal flip).
public struct ClassificationDataset: Sendable {
    /// The images (samples in `[0, 1]`) and labels.
    public let images: LabelledImages
    /// The number of classes.
    public let classes: Int
    /// Per-channel mean subtracted before the network.
    public let mean: [Float]
    /// Per-channel standard deviation divided out before the network.
    public let standardDeviation: [Float]

    /// A dataset normalised with the given statistics (usually the training set's).
    public init(images: LabelledImages, classes: Int, mean: [Float], standardDeviation: [Float]) {
        self.images = images
        self.classes = classes
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Per-channel mean and standard deviation of a set of images.
    public static func statistics(of images: LabelledImages) -> (mean: [Float], standardDeviation: [Float]) {
        let (n, c, plane) = (images.shape[0], images.shape[1], images.shape[2...].reduce(1, *))
        var mean = [Float](), std = [Float]()
        for channel in 0..<c {
            var sum = 0.0, squares = 0.0
            for i in 0..<n {
                let base = (i * c + channel) * plane
                for k in base..<(base + plane) { let v = Double(images.pixels[k]); sum += v; squares += v * v }
            }
            let count = Double(n * plane), m = sum / max(1, count)
            mean.append(Float(m))
            std.append(Float(max(1e-6, (squares / max(1, count) - m * m)).squareRoot()))
        }
        return (mean, std)
    }

    /// The number of images.
    public var count: Int { images.count }

    /// The number of batches of `size` in an epoch (the last may be smaller).
    public func batchCount(size: Int) -> Int { (count + size - 1) / size }

    /// The order of the images in an epoch: shuffled reproducibly from `(seed, epoch)`, or file
    /// order when `shuffle` is false.
    public func order(seed: UInt64, epoch: Int, shuffle: Bool) -> [Int] {
        shuffle ? epochOrder(count: count, seed: seed, epoch: epoch) : Array(0..<count)
    }

    /// Batch `index` of an epoch whose image order is `order` (from ``order(seed:epoch:shuffle:)``);
    /// it depends only on its arguments, so batches can be built in any order or concurrently.
    /// - Parameters:
    ///   - index: the batch's place in the epoch.
    ///   - order: the image order of the epoch.
    ///   - size: the batch size (the last batch of an epoch may be smaller).
    ///   - seed: the seed of the augmentation.
    ///   - epoch: the epoch, which with `seed` draws the augmentation.
    ///   - augment: random crops after zero padding by `cropPadding`, and horizontal flips.
    ///   - cropPadding: the zero border of the random crops.
    public func batch(_ index: Int, order: [Int], size: Int, seed: UInt64, epoch: Int, augment: Bool = false,
                      cropPadding: Int = 4) -> Batch {
        let members = Array(order[(index * size)..<min((index + 1) * size, count)])
        var generator = batchGenerator(seed: seed, epoch: epoch, batch: index)
        return batch(members, cropPadding: augment ? cropPadding : nil, generator: &generator)
    }

    /// Share `part` of `parts` of batch `index` (``Batch/share(_:of:)`` of
    /// ``batch(_:order:size:seed:epoch:augment:cropPadding:)``, the same samples and augmentation),
    /// built without the other shares' images, for one rank of data-parallel training.
    /// - Returns: the share and the number of samples in the whole batch.
    /// - Precondition: `0 <= part < parts`.
    public func batchShare(_ index: Int, part: Int, of parts: Int, order: [Int], size: Int, seed: UInt64, epoch: Int,
                           augment: Bool = false, cropPadding: Int = 4) -> (share: Batch, globalCount: Int) {
        let members = order[(index * size)..<min((index + 1) * size, count)]
        let bounds = shareBounds(count: members.count, part: part, of: parts)
        var generator = batchGenerator(seed: seed, epoch: epoch, batch: index)
        let padding = augment ? cropPadding : nil
        for _ in 0..<bounds.lowerBound { _ = augmentation(padding, &generator) }   // the draws of the earlier shares
        let first = members.startIndex + bounds.lowerBound
        return (batch(Array(members[first..<(first + bounds.count)]), cropPadding: padding, generator: &generator), members.count)
    }

    /// All batches of one epoch (see ``batch(_:order:size:seed:epoch:augment:cropPadding:)``).
    public func batches(size: Int, seed: UInt64, epoch: Int, shuffle: Bool = true, augment: Bool = false,
                        cropPadding: Int = 4) -> [Batch] {
        let order = order(seed: seed, epoch: epoch, shuffle: shuffle)
        return (0..<batchCount(size: size)).map {
            batch($0, order: order, size: size, seed: seed, epoch: epoch, augment: augment, cropPadding: cropPadding)
        }
    }

    /// The random crop offsets and flip of the next sample (none without `cropPadding`, or for
    /// series and volumes), drawn from `generator`.
    private func augmentation(_ cropPadding: Int?, _ generator: inout SeededGenerator) -> (dy: Int, dx: Int, flip: Bool) {
        guard let padding = cropPadding, images.shape.count == 4 else { return (0, 0, false) }
        let dy = Int.random(in: -padding...padding, using: &generator)
        let dx = Int.random(in: -padding...padding, using: &generator)
        return (dy, dx, Bool.random(using: &generator))
    }

    /// The normalised batch of `members`; augmented when `cropPadding` is given.
    private func batch(_ members: [Int], cropPadding: Int?, generator: inout SeededGenerator) -> Batch {
        // Series and volumes are viewed as one row per channel (no augmentation applies to them).
        let (c, h, w) = images.shape.count == 4
            ? (images.shape[1], images.shape[2], images.shape[3]) : (images.shape[1], 1, images.shape[2...].reduce(1, *))
        let size = c * h * w
        var input = [Float](repeating: 0, count: members.count * size)
        for (slot, item) in members.enumerated() {
            let (dy, dx, flip) = augmentation(cropPadding, &generator)
            for channel in 0..<c {
                let source = item * size + channel * h * w, target = slot * size + channel * h * w
                let (m, s) = (mean[channel], standardDeviation[channel])
                for y in 0..<h {
                    let sy = y + dy
                    for x in 0..<w {
                        let sx = (flip ? w - 1 - x : x) + dx
                        // Zero padding happens before normalisation, as in torchvision.
                        let value = sy >= 0 && sy < h && sx >= 0 && sx < w ? images.pixels[source + sy * w + sx] : 0
                        input[target + y * w + x] = (value - m) / s
                    }
                }
            }
        }
        return Batch(shape: [members.count] + images.shape.dropFirst(), input: input, labels: members.map { images.labels[$0] })
    }
}
