extension Grid {
    /// The sum of all elements, accumulated in `Double`.
    /// - Complexity: O(count).
    public func sum() -> Double {
        withUnsafeBufferPointer { $0.reduce(0.0) { $0 + Double($1) } }
    }

    /// The mean of all elements (`NaN` for an empty grid).
    public func mean() -> Double { sum() / Double(count) }

    /// The largest element (`nil` for an empty grid; `NaN`s are ignored unless all are `NaN`).
    public func max() -> Float? { scalars.max() }

    /// The smallest element (`nil` for an empty grid).
    public func min() -> Float? { scalars.min() }

    /// The largest absolute difference to `other`, or `nil` when the shapes differ.
    public func maxAbsoluteDifference(_ other: Grid) -> Float? {
        guard dims == other.dims else { return nil }
        var worst: Float = 0
        for i in scalars.indices { worst = Swift.max(worst, abs(scalars[i] - other.scalars[i])) }
        return worst
    }

    /// Whether every element is finite (no `NaN`, no infinity).
    public var isFinite: Bool { scalars.allSatisfy(\.isFinite) }

    /// Sums over every axis except `axis`, giving one value per index of `axis`.
    ///
    /// For a network tensor `[batch, channels, …]`, `sum(keepingAxis: 1)` is the per-channel sum
    /// (the bias gradient of a convolution).
    /// - Precondition: `0 <= axis < N`.
    /// - Complexity: O(count).
    public func sum(keepingAxis axis: Int) -> [Float] {
        precondition(axis >= 0 && axis < N, "axis \(axis) out of range for rank \(N)")
        let extent = shape[axis]
        let inner = strides[axis]
        let outer = extent == 0 ? 0 : count / (extent * inner)
        var totals = [Double](repeating: 0, count: extent)
        withUnsafeBufferPointer { buffer in
            for o in 0..<outer {
                for e in 0..<extent {
                    let base = (o * extent + e) * inner
                    var partial: Double = 0
                    for i in 0..<inner { partial += Double(buffer[base + i]) }
                    totals[e] += partial
                }
            }
        }
        return totals.map { Float($0) }
    }
}
