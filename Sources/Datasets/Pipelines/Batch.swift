import GridCore


/// A mini-batch: inputs `[b, C, H, W]`, and class labels or regression targets of the same shape.
public struct Batch: Sendable {
    /// The shape of ``input``.
    public var shape: [Int]
    /// Input samples, row-major.
    public var input: [Float]
    /// Class labels (classification), else empty.
    public var labels: [Int]
    /// Targets with the input's shape (denoising: the clean patches), else empty.
    public var target: [Float]

    /// A batch. - Precondition: counts agree with the shape.
    public init(shape: [Int], input: [Float], labels: [Int] = [], target: [Float] = []) {
        precondition(input.count == shape.reduce(1, *), "batch of shape \(shape) with \(input.count) values")
        precondition(target.isEmpty || target.count == input.count, "targets must match the input's shape")
        self.shape = shape
        self.input = input
        self.labels = labels
        self.target = target
    }

    /// The number of samples.
    public var count: Int { shape[0] }
}

/// A reproducible order of `count` items for an epoch: the same `(seed, epoch)` always gives the
/// same permutation, so a resumed run sees the data in the same order as an uninterrupted one.
public func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &+ 1)
    var order = Array(0..<count)
    order.shuffle(using: &generator)
    return order
}

/// A generator for one batch of one epoch, independent of any other batch.
func batchGenerator(seed: UInt64, epoch: Int, batch: Int) -> SeededGenerator {
    var mixer = SeededGenerator(seed: seed ^ (UInt64(bitPattern: Int64(epoch)) << 32) ^ UInt64(batch))
    return SeededGenerator(seed: mixer.next())
}

extension Batch {
    /// Replica `part` of `parts`' share of the batch: a contiguous run of samples, the shares as
    /// even as possible (sizes differ by at most one), in order, together the whole batch.
    /// - Parameters:
    ///   - part: which share, `0..<parts` (a rank).
    ///   - parts: the number of shares (ranks).
    /// - Returns: the share's samples with their labels or targets.
    /// - Precondition: `0 <= part < parts`.
    public func share(_ part: Int, of parts: Int) -> Batch {
        let bounds = shareBounds(count: count, part: part, of: parts), (start, end) = (bounds.lowerBound, bounds.upperBound)
        let sample = input.count / Swift.max(1, count)
        return Batch(shape: [end - start] + shape.dropFirst(), input: Array(input[(start * sample)..<(end * sample)]),
                     labels: labels.isEmpty ? [] : Array(labels[start..<end]),
                     target: target.isEmpty ? [] : Array(target[(start * sample)..<(end * sample)]))
    }
}

/// The samples of share `part` of `parts` of a batch of `count`: contiguous, sizes as even as
/// possible (differing by at most one), in order.
/// - Precondition: `0 <= part < parts`.
func shareBounds(count: Int, part: Int, of parts: Int) -> Range<Int> {
    precondition(parts >= 1 && (0..<parts).contains(part), "share \(part) of \(parts)")
    return (count * part / parts)..<(count * (part + 1) / parts)
}
