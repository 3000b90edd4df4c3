import GridCore


/// A dense row-major `Float` tensor of any rank: the activations of a network.
///
/// Network tensors use the layout `[batch, channels, spatial…]`. The rank is dynamic because
/// layers change it (flatten), and conversion to and from `Grid` shares the storage.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis.
    public var shape: [Int]
    /// The elements, row-major; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor from its shape and elements.
    /// - Precondition: the element count matches the shape (a programmer error otherwise).
    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == shape.reduce(1, *), "tensor of shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// The tensor holding a grid's elements (storage shared until mutated).
    public init<let N: Int>(_ grid: Grid<N>) {
        self.init(shape: grid.dims, scalars: grid.scalars)
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The elements `[start, end)` along the first axis.
    public func batch(_ range: Range<Int>) -> Tensor {
        let width = shape[0] == 0 ? 0 : count / shape[0]
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * width)..<(range.upperBound * width)]))
    }
}

extension Grid {
    /// The grid holding a tensor's elements (storage shared until mutated).
    ///
    /// ```swift
    /// let image = try Grid<4>(output.value)     // [B, C, H, W]
    /// ```
    /// - Throws: `GridError` when the tensor's rank is not `N`.
    public init(_ tensor: Tensor) throws(GridError) {
        try self.init(dims: tensor.shape, scalars: tensor.scalars)
    }
}
