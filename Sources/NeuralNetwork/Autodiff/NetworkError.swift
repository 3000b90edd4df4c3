/// Errors from network inputs that do not fit a layer.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// An input or target whose shape the layer cannot take.
    case shapeMismatch(String)
    /// A value outside its domain (label out of range, negative probability…).
    case invalidArgument(String)

    /// A message saying what was expected and what came.
    public var description: String {
        switch self {
        case .shapeMismatch(let m): "shape mismatch: \(m)"
        case .invalidArgument(let m): "invalid argument: \(m)"
        }
    }
}
