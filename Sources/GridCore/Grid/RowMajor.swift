/// Walks of row-major (C order) arrays: every multi-index of a shape, the offsets they address and
/// the strides of each axis. The one place where the package iterates over a cartesian product of
/// axes (convolution tables, density samples, padding, cropping, pooling windows, FFT blocks).
package enum RowMajor {
    /// Calls `body` with every multi-index of `shape` in row-major order, the last axis fastest:
    /// once with `[]` for an empty shape, never when an extent is 0.
    ///
    /// The index array is reused from one call to the next, so a step allocates nothing (a `body`
    /// that keeps the index keeps a copy).
    /// - Precondition: no extent is negative.
    /// - Complexity: O(∏ shape) calls, amortised O(1) work per step besides `body`.
    @inlinable
    package static func forEachIndex(_ shape: [Int], _ body: ([Int]) throws -> Void) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "row-major walk over a negative extent in \(shape)")
        guard !shape.contains(0) else { return }
        var index = [Int](repeating: 0, count: shape.count)
        while true {
            try body(index)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// `base + Σ index[a]·steps[a]` for every multi-index of `shape`, in row-major order
    /// (`[base]` for an empty shape).
    /// - Precondition: `steps.count == shape.count`, no extent is negative.
    package static func offsets(_ shape: [Int], steps: [Int], base: Int = 0) -> [Int] {
        precondition(steps.count == shape.count, "\(steps.count) steps for the \(shape.count) axes of \(shape)")
        var result: [Int] = []
        result.reserveCapacity(shape.reduce(1) { $0 * Swift.max($1, 0) })
        forEachIndex(shape) { index in
            var offset = base
            for axis in index.indices { offset += index[axis] * steps[axis] }
            result.append(offset)
        }
        return result
    }

    /// The distance between consecutive indices on each axis of a row-major array of `shape`.
    package static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        return strides
    }
}
