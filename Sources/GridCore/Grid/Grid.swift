/// A dense, rank-`N`, row-major (C order) grid of `Float` values with value semantics.
///
/// `Grid` is the tensor of the package. Signals use all `N` axes as spatial axes; network
/// tensors use the layout `[batch, channels, spatial…]` and kernels `[out, in/groups, k…]`,
/// so a 2-D convolution works on `Grid<4>`.
///
/// Storage is a Swift array, so copies are cheap until one of them is mutated (copy-on-write).
///
/// ```swift
/// var x = Grid<2>(shape: [2, 3], repeating: 0)
/// x[[1, 2]] = 5
/// ```
public struct Grid<let N: Int>: Sendable {
    /// The extent of each axis.
    public private(set) var shape: InlineArray<N, Int>
    /// The elements in row-major order; `scalars.count == count` always holds.
    public var scalars: [Float] { storage }
    @usableFromInline var storage: [Float]

    /// A grid of the given shape with every element equal to `value`.
    /// - Precondition: every extent is non-negative (a programmer error otherwise).
    public init(shape: InlineArray<N, Int>, repeating value: Float = 0) {
        var count = 1
        for axis in 0..<N {
            precondition(shape[axis] >= 0, "Grid extents must be non-negative")
            count *= shape[axis]
        }
        self.shape = shape
        self.storage = [Float](repeating: value, count: count)
    }

    /// A grid of the given shape holding `scalars` in row-major order.
    /// - Throws: ``GridError/shapeMismatch(_:)`` when `scalars.count` differs from the product of
    ///   the extents, or ``GridError/invalidArgument(_:)`` for a negative extent.
    public init(shape: InlineArray<N, Int>, scalars: [Float]) throws(GridError) {
        let dims = Self.array(shape)
        guard dims.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument("negative extent in shape \(dims)")
        }
        let count = dims.reduce(1, *)
        guard count == scalars.count else {
            throw .shapeMismatch("shape \(dims) holds \(count) elements, got \(scalars.count)")
        }
        self.shape = shape
        self.storage = scalars
    }

    /// A grid whose shape is given as an array of `N` extents.
    /// - Throws: ``GridError/shapeMismatch(_:)`` when `dims.count != N` or the element count differs.
    public init(dims: [Int], scalars: [Float]) throws(GridError) {
        guard dims.count == N else {
            throw .shapeMismatch("a rank-\(N) grid needs \(N) extents, got \(dims.count) (\(dims))")
        }
        try self.init(shape: InlineArray<N, Int> { dims[$0] }, scalars: scalars)
    }

    /// A grid whose shape is given as an array of `N` extents, filled with `value`.
    /// - Throws: ``GridError/shapeMismatch(_:)`` when `dims.count != N`, ``GridError/invalidArgument(_:)``
    ///   for a negative extent.
    public init(dims: [Int], repeating value: Float = 0) throws(GridError) {
        guard dims.count == N else {
            throw .shapeMismatch("a rank-\(N) grid needs \(N) extents, got \(dims.count) (\(dims))")
        }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw .invalidArgument("negative extent in shape \(dims)") }
        self.init(shape: InlineArray<N, Int> { dims[$0] }, repeating: value)
    }

    /// The rank (number of axes), `N`.
    public var rank: Int { N }

    /// The number of elements, the product of the extents.
    public var count: Int { scalars.count }

    /// The shape as an array, convenient for messages and for rank-erased kernels.
    public var dims: [Int] { Self.array(shape) }

    /// Row-major strides, in elements: the last axis has stride 1.
    public var strides: InlineArray<N, Int> {
        var strides = InlineArray<N, Int>(repeating: 1)
        var step = 1
        for axis in (0..<N).reversed() {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The linear offset of a multi-index.
    /// - Precondition: every index component is within its axis (checked in debug builds).
    @inlinable
    public func offset(of index: InlineArray<N, Int>) -> Int {
        var offset = 0
        for axis in 0..<N {
            assert(index[axis] >= 0 && index[axis] < shape[axis], "index out of range on axis \(axis)")
            offset = offset * shape[axis] + index[axis]
        }
        return offset
    }

    /// The element at a multi-index.
    @inlinable
    public subscript(_ index: InlineArray<N, Int>) -> Float {
        get { scalars[offset(of: index)] }
        set { storage[offset(of: index)] = newValue }
    }

    /// Calls `body` with the elements as a read-only buffer (row-major).
    @inlinable
    public func withUnsafeBufferPointer<R, E>(
        _ body: (UnsafeBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        try storage.withUnsafeBufferPointer { buffer throws(E) in try body(buffer) }
    }

    /// Calls `body` with the elements as a mutable buffer (row-major); the shape cannot change.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R, E>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        try storage.withUnsafeMutableBufferPointer { buffer throws(E) in try body(&buffer) }
    }

    /// The extents of an `InlineArray` shape as an array.
    public static func array(_ shape: InlineArray<N, Int>) -> [Int] {
        (0..<N).map { shape[$0] }
    }
}

/// Errors a user can cause when building or combining grids.
public enum GridError: Error, Equatable, CustomStringConvertible {
    /// Shapes or element counts that do not fit together.
    case shapeMismatch(String)
    /// An argument outside its domain (negative extent, too much reflect padding, …).
    case invalidArgument(String)

    /// A message saying what was expected and what came.
    public var description: String {
        switch self {
        case .shapeMismatch(let message): "shape mismatch: \(message)"
        case .invalidArgument(let message): "invalid argument: \(message)"
        }
    }
}
