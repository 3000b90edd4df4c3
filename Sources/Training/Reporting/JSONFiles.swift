import Datasets
import Foundation

/// JSON as the package writes and reads it: pretty-printed with sorted keys, and non-finite
/// numbers as the strings `"nan"`, `"inf"` and `"-inf"` — plain JSON has no NaN, and a diverged
/// run's losses and metrics are NaN.
public enum JSONFiles {
    /// The encoder (pretty-printed, sorted keys, non-finite numbers as strings).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The decoder that reads what ``encoder()`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// The JSON text of a value: pretty-printed, or on one line.
    /// - Throws: `EncodingError` when the value cannot be encoded.
    public static func text<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let encoder = encoder()
        if !pretty { encoder.outputFormatting = [.sortedKeys] }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Writes a value as JSON, atomically.
    /// - Throws: `EncodingError`, or `DataError` when the file cannot be written.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try Files.atomicWrite([UInt8](try encoder().encode(value)), to: path)
    }
}
