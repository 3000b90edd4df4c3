extension Grid {
    /// The same elements viewed with another shape of any rank (no copy of the storage).
    /// - Throws: ``GridError/shapeMismatch(_:)`` when the element counts differ.
    /// - Complexity: O(1) (the storage is shared until mutated).
    public func reshaped<let M: Int>(to shape: InlineArray<M, Int>) throws(GridError) -> Grid<M> {
        try Grid<M>(shape: shape, scalars: scalars)
    }

    /// The sub-grid `start ..< start + size` on every axis (a copy).
    /// - Throws: ``GridError/invalidArgument(_:)`` when the window leaves the grid.
    /// - Complexity: O(size product).
    public func cropped(start: InlineArray<N, Int>, size: InlineArray<N, Int>) throws(GridError) -> Grid {
        for axis in 0..<N where start[axis] < 0 || size[axis] < 0 || start[axis] + size[axis] > shape[axis] {
            throw .invalidArgument(
                "crop \(Self.array(start)) + \(Self.array(size)) leaves shape \(dims) on axis \(axis)")
        }
        var result = Grid(shape: size)
        let source = strides
        let target = result.strides
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { input in
                guard out.count > 0 else { return }
                let rows = out.count / size[N - 1]
                for row in 0..<rows {
                    var remainder = row * size[N - 1]
                    var base = 0
                    for axis in 0..<N {
                        let index = remainder / target[axis]
                        remainder %= target[axis]
                        base += (index + start[axis]) * source[axis]
                    }
                    let dst = row * size[N - 1]
                    for i in 0..<size[N - 1] { out[dst + i] = input[base + i] }
                }
            }
        }
        return result
    }

    /// The elements with indices `range` along the first axis (e.g. a mini-batch), a copy.
    /// - Throws: ``GridError/invalidArgument(_:)`` when `range` leaves the first axis.
    public func slice(_ range: Range<Int>) throws(GridError) -> Grid {
        guard range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw .invalidArgument("slice \(range) of an axis of extent \(shape[0])")
        }
        let inner = shape[0] == 0 ? 0 : count / shape[0]
        var newShape = shape
        newShape[0] = range.count
        return try Grid(shape: newShape, scalars: Array(scalars[range.lowerBound * inner ..< range.upperBound * inner]))
    }
}
