// Offsets in row-major arrays, shared by the convolution engines and the pooling layers.

/// `Σ index[a]·steps[a]` for every multi-index of `shape`, in row-major order (`[0]` for an
/// empty shape).
package func rowMajorOffsets(_ shape: [Int], steps: [Int]) -> [Int] {
    var result = [0]
    for (extent, step) in zip(shape, steps) {
        result = result.flatMap { base in (0..<extent).map { base + $0 * step } }
    }
    return result
}

/// The distance between consecutive indices on each axis of a row-major array of `shape`.
package func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
    return strides
}
