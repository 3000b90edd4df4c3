import Foundation
import GridCore

/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to its dtype, shape and byte range, and the raw little-endian data. Used for
/// model weights (PyTorch-style names) and checkpoints (with string metadata).
public struct SafeTensors: Sendable {
    /// Tensors by name: shape and values.
    public var tensors: [String: (shape: [Int], values: [Float])]
    /// Free-form strings stored under `__metadata__`.
    public var metadata: [String: String]

    /// A collection of tensors.
    public init(tensors: [String: (shape: [Int], values: [Float])] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a file (F32 and F64 tensors; F64 is converted to `Float`).
    /// - Throws: ``DataError`` naming the file when it is missing, truncated, has a malformed
    ///   header, an unsupported dtype, or byte ranges that do not fit the shapes or the file.
    public static func read(_ path: String) throws(DataError) -> SafeTensors {
        try decode(try Files.read(path), path: path)
    }

    /// Decodes the bytes of a safetensors file (`path` only names it in errors).
    public static func decode(_ bytes: [UInt8], path: String) throws(DataError) -> SafeTensors {
        guard bytes.count >= 8 else { throw DataError(path, "truncated safetensors file (no header length)") }
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        guard length > 0, length <= bytes.count - 8 else {
            throw DataError(path, "header length \(length) does not fit a file of \(bytes.count) bytes (truncated?)")
        }
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any] else {
            throw DataError(path, "malformed safetensors header (not a JSON object)")
        }
        let dataStart = 8 + length
        var result = SafeTensors()
        for (name, entry) in header {
            if name == "__metadata__" {
                result.metadata = (entry as? [String: String]) ?? [:]
                continue
            }
            guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let range = info["data_offsets"] as? [Int], range.count == 2 else {
                throw DataError(path, "malformed entry for tensor \(name)")
            }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw DataError(path, "tensor \(name) has dtype \(dtype); F32 or F64 expected")
            }
            guard let count = SizeLimits.product(shape), let size = SizeLimits.product([count, width]) else {
                throw DataError(path, "tensor \(name) has shape \(shape): negative extents or more elements than an array can hold")
            }
            guard range[0] >= 0, range[1] >= range[0], range[1] - range[0] == size,
                  range[1] <= bytes.count - dataStart else {
                throw DataError(path, "tensor \(name) of shape \(shape) has byte range \(range) outside the data or of the wrong size")
            }
            let start = dataStart + range[0]
            let values: [Float] = bytes.withUnsafeBytes { raw in
                (0..<count).map { i in
                    width == 4
                        ? Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                        : Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self).littleEndian))
                }
            }
            result.tensors[name] = (shape, values)
        }
        return result
    }

    /// The bytes of the file: F32 tensors in name order, header padded to 8 bytes.
    public func encode() -> [UInt8] {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let (shape, values) = tensors[name]!
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [data.count, data.count + 4 * values.count]]
            data.reserveCapacity(data.count + 4 * values.count)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map { [UInt8]($0) } ?? []
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        let length = (0..<8).map { UInt8((json.count >> (8 * $0)) & 0xFF) }
        return length + json + data
    }

    /// Writes the file atomically.
    /// - Throws: ``DataError`` when the file cannot be written.
    public func write(to path: String) throws(DataError) {
        try Files.atomicWrite(encode(), to: path)
    }
}
