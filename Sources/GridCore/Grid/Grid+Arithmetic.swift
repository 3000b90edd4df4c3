extension Grid {
    /// A grid of the same shape with `transform` applied to every element.
    /// - Complexity: O(count).
    @inlinable
    public func map(_ transform: (Float) throws -> Float) rethrows -> Grid {
        var result = self
        try result.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = try transform(buffer[i]) }
        }
        return result
    }

    /// Combines two grids of the same shape element by element.
    /// - Throws: ``GridError/shapeMismatch(_:)`` when the shapes differ.
    @inlinable
    public func zip(_ other: Grid, _ combine: (Float, Float) -> Float) throws(GridError) -> Grid {
        guard dims == other.dims else {
            throw .shapeMismatch("element-wise operation on shapes \(dims) and \(other.dims)")
        }
        return combined(with: other, combine)
    }

    /// Element-wise sum. - Precondition: equal shapes (use ``zip(_:_:)`` to get a thrown error).
    public static func + (lhs: Grid, rhs: Grid) -> Grid { lhs.checkedZip(rhs, +) }
    /// Element-wise difference. - Precondition: equal shapes.
    public static func - (lhs: Grid, rhs: Grid) -> Grid { lhs.checkedZip(rhs, -) }
    /// Element-wise (Hadamard) product. - Precondition: equal shapes.
    public static func * (lhs: Grid, rhs: Grid) -> Grid { lhs.checkedZip(rhs, *) }
    /// Element-wise quotient. - Precondition: equal shapes.
    public static func / (lhs: Grid, rhs: Grid) -> Grid { lhs.checkedZip(rhs, /) }
    /// Adds a scalar to every element.
    public static func + (lhs: Grid, rhs: Float) -> Grid { lhs.map { $0 + rhs } }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Grid, rhs: Float) -> Grid { lhs.map { $0 - rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Grid, rhs: Float) -> Grid { lhs.map { $0 * rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Float, rhs: Grid) -> Grid { rhs.map { lhs * $0 } }
    /// Negates every element.
    public static prefix func - (operand: Grid) -> Grid { operand.map { -$0 } }

    /// Adds `other` in place. - Precondition: equal shapes.
    public static func += (lhs: inout Grid, rhs: Grid) {
        precondition(lhs.dims == rhs.dims, "+= on shapes \(lhs.dims) and \(rhs.dims)")
        rhs.withUnsafeBufferPointer { source in
            lhs.withUnsafeMutableBufferPointer { target in
                for i in target.indices { target[i] += source[i] }
            }
        }
    }

    private func checkedZip(_ other: Grid, _ combine: (Float, Float) -> Float) -> Grid {
        precondition(dims == other.dims, "element-wise operation on shapes \(dims) and \(other.dims)")
        return combined(with: other, combine)
    }

    @usableFromInline
    func combined(with other: Grid, _ combine: (Float, Float) -> Float) -> Grid {
        var result = self
        other.withUnsafeBufferPointer { rhs in
            result.withUnsafeMutableBufferPointer { lhs in
                for i in lhs.indices { lhs[i] = combine(lhs[i], rhs[i]) }
            }
        }
        return result
    }
}
