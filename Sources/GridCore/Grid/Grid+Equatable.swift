extension Grid: Equatable {
    /// Two grids are equal when their shapes and all their elements are equal (`NaN != NaN`).
    public static func == (lhs: Grid, rhs: Grid) -> Bool {
        lhs.dims == rhs.dims && lhs.scalars == rhs.scalars
    }
}

extension Grid: CustomStringConvertible {
    /// The shape and up to the first 8 elements, e.g. `Grid<2>[2, 3](0.0, 1.0, …)`.
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        let more = scalars.count > 8 ? ", … (\(scalars.count) elements)" : ""
        return "Grid<\(N)>\(dims)(\(shown)\(more))"
    }
}
