import GridCore


/// NumPy `.npy` arrays (format versions 1.0 to 3.0): little-endian `float32` (`<f4`) or
/// `float64` (`<f8`, converted to `Float`), C order. Writing produces version 1.0 `<f4`.
public enum Npy {
    /// Reads an array.
    /// - Returns: its shape and elements (row-major).
    /// - Throws: ``DataError`` for a missing file, a bad magic string, an unsupported version,
    ///   dtype, byte order or Fortran order, a malformed header, or truncated data.
    public static func read(_ path: String) throws(DataError) -> (shape: [Int], scalars: [Float]) {
        try decode(try Files.read(path), path: path)
    }

    /// Decodes the bytes of an `.npy` file (`path` only names it in errors).
    public static func decode(_ bytes: [UInt8], path: String) throws(DataError) -> (shape: [Int], scalars: [Float]) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw DataError(path, "not a .npy file (bad magic)") }
        let major = bytes[6]
        let (headerLength, headerStart): (Int, Int)
        switch major {
        case 1: (headerLength, headerStart) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError(path, "truncated .npy header") }
            (headerLength, headerStart) = ((0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }, 12)
        default: throw DataError(path, "unsupported .npy version \(major)")
        }
        guard bytes.count >= headerStart + headerLength else { throw DataError(path, "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header), let fortran = field("fortran_order", in: header),
              let shapeText = field("shape", in: header) else {
            throw DataError(path, "malformed .npy header: \(header.trimmingCharacters())")
        }
        guard fortran == "False" else { throw DataError(path, "Fortran-order arrays are not supported (save with C order)") }
        let width: Int
        switch descr {
        case "'<f4'": width = 4
        case "'<f8'": width = 8
        case "'>f4'", "'>f8'": throw DataError(path, "big-endian arrays are not supported (dtype \(descr))")
        default: throw DataError(path, "dtype \(descr) is not supported (float32 '<f4' or float64 '<f8' expected)")
        }
        let inner = shapeText.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
        let shape = inner.compactMap { Int($0) }
        guard shape.count == inner.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw DataError(path, "malformed shape \(shapeText)")
        }
        let start = headerStart + headerLength
        guard let count = SizeLimits.product(shape), let needed = SizeLimits.product([count, width]) else {
            throw DataError(path, "shape \(shape) has more elements than an array can hold (corrupt header?)")
        }
        guard bytes.count - start == needed else {
            throw DataError(path, "shape \(shape) needs \(needed) data bytes, file has \(bytes.count - start) (truncated or corrupt)")
        }
        let scalars: [Float] = bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                width == 4
                    ? Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                    : Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self).littleEndian))
            }
        }
        return (shape, scalars)
    }

    /// The bytes of a version 1.0 `<f4` file holding `scalars` with `shape`.
    public static func encode(_ scalars: [Float], shape: [Int]) -> [UInt8] {
        precondition(scalars.count == shape.reduce(1, *), "npy: \(scalars.count) values for shape \(shape)")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * scalars.count)
        for value in scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// Writes an array atomically as `<f4`.
    /// - Throws: ``DataError`` when the file cannot be written.
    public static func write(_ scalars: [Float], shape: [Int], to path: String) throws(DataError) {
        try Files.atomicWrite(encode(scalars, shape: shape), to: path)
    }

    /// The value text of `'key': value` in a header dictionary (tuples kept whole).
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters()
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingCharacters() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
