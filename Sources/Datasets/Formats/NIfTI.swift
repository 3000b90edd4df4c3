import GridCore

/// NIfTI-1 volumes (`.nii`, or gzip-compressed `.nii.gz`): the 348-byte header (little- or
/// big-endian), the data types of ``NIfTIDataType``, and the `scl_slope`/`scl_inter` scaling.
///
/// Values are converted to `Float` for computing, scaled (`stored·slope + intercept`; a slope of
/// 0 or a non-finite slope means no scaling, as the standard says). A volume written back with
/// its input's ``NIfTIHeader`` keeps the input's dimensions, voxel sizes, orientation (qform and
/// sform with their codes), units, scaling and data type; values are stored as
/// `(value − intercept) / slope`, and for an integer type rounded to the nearest integer (ties
/// away from zero) and clipped to the type's range.
public enum NIfTI {
    /// A volume with the header it came with.
    public struct Volume: Sendable {
        /// The header (its ``NIfTIHeader/dimensions`` start with the volume's three extents).
        public var header: NIfTIHeader
        /// The first 3-D volume of the file as `[x, y, z]` values, z fastest.
        public var voxels: Grid<3>

        /// A volume and its header.
        public init(header: NIfTIHeader, voxels: Grid<3>) {
            self.header = header
            self.voxels = voxels
        }
    }

    /// Whether a file name ends in a NIfTI extension, `.nii` or `.nii.gz` (as written: callers
    /// that accept any case lowercase the name first).
    public static func hasExtension(_ name: String) -> Bool { name.hasSuffix(".nii") || name.hasSuffix(".nii.gz") }

    /// Reads the first 3-D volume of a file as `[x, y, z]` values (NIfTI's x is the fastest axis
    /// on disk; the grid is indexed `[x][y][z]` with z fastest, so it is transposed here).
    /// - Throws: ``DataError`` as ``readVolume(_:)``.
    public static func read(_ path: String) throws(DataError) -> Grid<3> {
        try readVolume(path).voxels
    }

    /// Reads the header and the first 3-D volume of a file (a 4-D file's first time point).
    /// - Throws: ``DataError`` naming the file for a wrong header size or magic, a data type not
    ///   in ``NIfTIDataType``, fewer than 3 dimensions, a data offset outside the file, or
    ///   truncated data.
    public static func readVolume(_ path: String) throws(DataError) -> Volume {
        let bytes = try Files.readDecompressed(path)
        let (header, little) = try NIfTIHeader.parse(bytes, path: path)
        let dims = header.dimensions
        guard dims.count >= 3 else { throw DataError(path, "a volume needs 3 dimensions, the file has \(dims.count)") }
        let rawOffset = header.dataOffset
        guard rawOffset.isFinite, rawOffset >= 348, rawOffset <= Float(bytes.count) else {
            throw DataError(path, "data offset \(rawOffset) is not inside the file of \(bytes.count) bytes")
        }
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        let offset = Int(rawOffset), width = header.dataType.width
        guard let count = SizeLimits.product([nx, ny, nz]), let byteCount = SizeLimits.product([count, width]),
              bytes.count - offset >= byteCount else {
            throw DataError(path, "\(nx)×\(ny)×\(nz) voxels of \(width) bytes do not fit the file (truncated?)")
        }
        let slope = header.slope == 0 || !header.slope.isFinite ? 1 : header.slope
        let intercept = header.intercept.isFinite ? header.intercept : 0
        let type = header.dataType
        var volume = Grid<3>(shape: [nx, ny, nz])
        bytes.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T {
                let v = raw.loadUnaligned(fromByteOffset: at, as: T.self)
                return little ? v : v.byteSwapped
            }
            func value(_ i: Int) -> Float {
                let at = offset + i * width
                switch type {
                case .uint8: return Float(raw[at])
                case .int8: return Float(Int8(bitPattern: raw[at]))
                case .int16: return Float(load(Int16.self, at))
                case .uint16: return Float(load(UInt16.self, at))
                case .int32: return Float(load(Int32.self, at))
                case .float32: return Float(bitPattern: load(UInt32.self, at))
                case .float64: return Float(Double(bitPattern: load(UInt64.self, at)))
                }
            }
            volume.withUnsafeMutableBufferPointer { out in
                for z in 0..<nz { for y in 0..<ny { for x in 0..<nx {
                    out[(x * ny + y) * nz + z] = value((z * ny + y) * nx + x) * slope + intercept
                } } }
            }
        }
        return Volume(header: header, voxels: volume)
    }

    /// Writes a volume with a header (usually its input's, so it keeps the input's geometry), as
    /// one 3-D volume (`dim[0] = 3`, axes past z dropped), gzip-compressed when the path ends in
    /// `.gz`, atomically.
    /// - Parameters:
    ///   - voxels: `[x, y, z]` values, z fastest.
    ///   - header: the geometry, scaling and data type to write with.
    ///   - path: the file.
    /// - Throws: ``DataError`` when the voxels' extents differ from the header's first three, a
    ///   value is not finite, or the file cannot be written.
    public static func write(_ voxels: Grid<3>, header: NIfTIHeader, to path: String) throws(DataError) {
        let dims = voxels.dims
        guard header.dimensions.count >= 3, Array(header.dimensions.prefix(3)) == dims else {
            throw DataError(path, "a volume of \(dims) voxels does not match the header's dimensions \(header.dimensions)")
        }
        guard voxels.isFinite else { throw DataError(path, "the volume has non-finite values; not written") }
        var out = header
        out.dimensions = dims
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        let slope = header.slope == 0 || !header.slope.isFinite ? 1 : Double(header.slope)
        let intercept = header.intercept.isFinite ? Double(header.intercept) : 0
        var bytes = out.encoded()
        bytes.reserveCapacity(bytes.count + voxels.count * header.dataType.width)
        let type = header.dataType, range = type.integerRange
        voxels.withUnsafeBufferPointer { values in
            func append<T>(_ value: T) { withUnsafeBytes(of: value) { bytes += $0 } }
            for z in 0..<nz { for y in 0..<ny { for x in 0..<nx {
                var stored = (Double(values[(x * ny + y) * nz + z]) - intercept) / slope
                if let range { stored = min(max(stored.rounded(), range.lowerBound), range.upperBound) }
                switch type {
                case .uint8: bytes.append(UInt8(stored))
                case .int8: append(Int8(stored))
                case .int16: append(Int16(stored))
                case .uint16: append(UInt16(stored))
                case .int32: append(Int32(stored))
                case .float32: append(Float(stored))
                case .float64: append(stored)
                }
            } } }
        }
        if path.hasSuffix(".gz") { bytes = try Files.gzip(bytes) }
        try Files.atomicWrite(bytes, to: path)
    }

    /// A header for a new float32 volume of the given extents with isotropic 1 mm voxels and no
    /// orientation (qform and sform codes 0).
    public static func header(dimensions: [Int], voxelSize: Float = 1) -> NIfTIHeader {
        NIfTIHeader(dimensions: dimensions, pixdim: [1, voxelSize, voxelSize, voxelSize, 1, 1, 1, 1], dataType: .float32,
                    slope: 1, intercept: 0, dataOffset: 352, units: 10, qformCode: 0, sformCode: 0,
                    quaternion: [Float](repeating: 0, count: 6), sform: [Float](repeating: 0, count: 12), intent: 0, text: "")
    }
}
