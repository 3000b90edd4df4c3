/// A file that cannot be used: missing, unreadable, truncated, corrupt, or of an unsupported kind.
public struct DataError: Error, Equatable, CustomStringConvertible {
    /// The file concerned.
    public let path: String
    /// What was wrong, saying what was expected and what came.
    public let message: String

    /// An error about `path`.
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// The text of a NUL-terminated message a C decoder wrote into `buffer`.
func decoderMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
