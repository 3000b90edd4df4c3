import GridCore

/// NumPy `.npy` arrays (format versions 1.0 to 3.0): little-endian `float32` (`<f4`) or
/// `float64` (`<f8`, converted to `Float`), C order. Writing produces version 1.0 `<f4`.
///
/// The header is read by NumPy's grammar (one dictionary with exactly `descr`, `fortran_order`
/// and `shape`, padded with spaces to a newline): every header NumPy refuses is refused, with
/// what was found, and so are a repeated key, non-space padding and an unaligned header end,
/// which NumPy tolerates but never writes.
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
        let header: NpyHeader
        do { header = try NpyHeader.parse(bytes) } catch { throw DataError(path, error.message) }
        guard !header.fortranOrder else { throw DataError(path, "Fortran-order arrays are not supported (save with C order)") }
        let width: Int
        switch header.descr {
        case "<f4": width = 4
        case "<f8": width = 8
        case ">f4", ">f8": throw DataError(path, "big-endian arrays are not supported (dtype '\(header.descr)')")
        default: throw DataError(path, "dtype '\(header.descr)' is not supported (float32 '<f4' or float64 '<f8' expected)")
        }
        let (shape, start) = (header.shape, header.dataOffset)
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
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingCharacters() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
