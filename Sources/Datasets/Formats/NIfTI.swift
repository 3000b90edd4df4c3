import GridCore


/// NIfTI-1 volumes (`.nii`, or `.nii.gz`): the 348-byte header (little- or big-endian), the
/// data types uint8, int16, int32, float32 and float64, and the `scl_slope`/`scl_inter` scaling.
public enum NIfTI {
    /// Reads the first 3-D volume of a file as `[x, y, z]` values (NIfTI's x is the fastest axis
    /// on disk; the grid is indexed `[x][y][z]` with z fastest, so it is transposed here).
    /// - Throws: ``DataError`` naming the file for a wrong header size or magic, a data type not
    ///   listed above, fewer than 3 dimensions, or truncated data.
    public static func read(_ path: String) throws(DataError) -> Grid<3> {
        let bytes = try Files.readDecompressed(path)
        guard bytes.count >= 348 else { throw DataError(path, "truncated NIfTI header") }
        let little = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } == 348
        let big = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).byteSwapped } == 348
        guard little || big else { throw DataError(path, "not a NIfTI-1 file (header size is not 348)") }
        func int16(_ offset: Int) -> Int {
            let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int16.self) }
            return Int(little ? raw : raw.byteSwapped)
        }
        func float32(_ offset: Int) -> Float {
            let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
            return Float(bitPattern: little ? raw : raw.byteSwapped)
        }
        let magic = Array(bytes[344..<347])
        guard magic == Array("n+1".utf8) || magic == Array("ni1".utf8) else { throw DataError(path, "bad NIfTI magic") }
        let rank = int16(40)
        guard rank >= 3 else { throw DataError(path, "a volume needs 3 dimensions, the file has \(rank)") }
        let (nx, ny, nz) = (int16(42), int16(44), int16(46))
        let type = int16(70), rawOffset = float32(108)
        guard rawOffset.isFinite, rawOffset >= 348, rawOffset <= Float(bytes.count) else {
            throw DataError(path, "data offset \(rawOffset) is not inside the file of \(bytes.count) bytes")
        }
        let offset = Int(rawOffset)
        var slope = float32(112)
        let intercept = float32(116)
        if slope == 0 || !slope.isFinite { slope = 1 }
        let width: Int
        switch type {
        case 2: width = 1
        case 4: width = 2
        case 8, 16: width = 4
        case 64: width = 8
        default: throw DataError(path, "NIfTI data type \(type) is not supported (uint8, int16, int32, float32, float64)")
        }
        let count = nx * ny * nz
        guard nx > 0, ny > 0, nz > 0, bytes.count - offset >= count * width else {
            throw DataError(path, "\(nx)×\(ny)×\(nz) voxels of \(width) bytes do not fit the file (truncated?)")
        }
        var volume = Grid<3>(shape: [nx, ny, nz])
        bytes.withUnsafeBytes { raw in
            func value(_ i: Int) -> Float {
                let at = offset + i * width
                switch type {
                case 2: return Float(raw[at])
                case 4:
                    let v = raw.loadUnaligned(fromByteOffset: at, as: Int16.self)
                    return Float(little ? v : v.byteSwapped)
                case 8:
                    let v = raw.loadUnaligned(fromByteOffset: at, as: Int32.self)
                    return Float(little ? v : v.byteSwapped)
                case 16:
                    let v = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                    return Float(bitPattern: little ? v : v.byteSwapped)
                default:
                    let v = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    return Float(Double(bitPattern: little ? v : v.byteSwapped))
                }
            }
            volume.withUnsafeMutableBufferPointer { out in
                for z in 0..<nz { for y in 0..<ny { for x in 0..<nx {
                    out[(x * ny + y) * nz + z] = value((z * ny + y) * nx + x) * slope + intercept
                } } }
            }
        }
        return volume
    }
}
