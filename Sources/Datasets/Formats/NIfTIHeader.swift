/// The fields of a NIfTI-1 header that give a volume its size, geometry and values: what a
/// denoised volume keeps of its input.
///
/// Kept: `dim`, `pixdim` (voxel sizes and the qform's `qfac`), `datatype`/`bitpix`,
/// `scl_slope`/`scl_inter`, `xyzt_units`, `qform_code` with the quaternion and offsets,
/// `sform_code` with its affine rows, `intent_code` and `descrip`. Written headers are
/// little-endian single files (`n+1`) with the data at byte 352; header extensions are dropped.
public struct NIfTIHeader: Sendable, Equatable {
    /// `dim[1…dim[0]]`: the extent of each axis (x fastest on disk).
    public var dimensions: [Int]
    /// `pixdim[0…7]`: `pixdim[0]` is the qform's `qfac` (±1), `pixdim[1…3]` the voxel sizes.
    public var pixdim: [Float]
    /// How voxel values are stored.
    public var dataType: NIfTIDataType
    /// `scl_slope`: stored values `v` mean `v·slope + intercept` (0 on disk means no scaling).
    public var slope: Float
    /// `scl_inter`.
    public var intercept: Float
    /// `vox_offset`: the byte where the data starts.
    public var dataOffset: Float
    /// `xyzt_units`: the spatial and temporal units (NIfTI codes, e.g. 10 = mm and s).
    public var units: UInt8
    /// `qform_code` (0: no qform).
    public var qformCode: Int16
    /// `sform_code` (0: no sform).
    public var sformCode: Int16
    /// `quatern_b, quatern_c, quatern_d, qoffset_x, qoffset_y, qoffset_z`.
    public var quaternion: [Float]
    /// `srow_x`, `srow_y`, `srow_z`: the sform's rows, 4 values each.
    public var sform: [Float]
    /// `intent_code`.
    public var intent: Int16
    /// `descrip`, up to 79 bytes.
    public var text: String

    /// The header's size on disk.
    public static let size = 348

    /// Voxel sizes along x, y, z (`pixdim[1…3]`).
    public var voxelSizes: [Float] { Array(pixdim[1...3]) }

    /// The voxel-to-world affine (4 rows of 4), as NIfTI readers choose it: the sform when
    /// `sform_code > 0`, else the qform when `qform_code > 0`, else the voxel sizes alone.
    public var affine: [[Double]] {
        if sformCode > 0 {
            return (0..<3).map { r in (0..<4).map { Double(sform[4 * r + $0]) } } + [[0, 0, 0, 1]]
        }
        let size = (1...3).map { Double(pixdim[$0]) }
        guard qformCode > 0 else {
            return [[size[0], 0, 0, 0], [0, size[1], 0, 0], [0, 0, size[2], 0], [0, 0, 0, 1]]
        }
        let (b, c, d) = (Double(quaternion[0]), Double(quaternion[1]), Double(quaternion[2]))
        let a = max(0, 1 - (b * b + c * c + d * d)).squareRoot()
        let qfac: Double = pixdim[0] < 0 ? -1 : 1
        let rotation = [[a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                        [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
                        [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b]]
        let scale = [size[0], size[1], size[2] * qfac]
        return (0..<3).map { r in (0..<3).map { rotation[r][$0] * scale[$0] } + [Double(quaternion[3 + r])] } + [[0, 0, 0, 1]]
    }

    /// Parses a header.
    /// - Returns: the header and whether it is little-endian.
    /// - Throws: ``DataError`` naming `path` for a short file, a wrong size field or magic, an
    ///   unsupported data type, or dimensions outside `1…7` axes of positive extent.
    static func parse(_ bytes: [UInt8], path: String) throws(DataError) -> (header: NIfTIHeader, littleEndian: Bool) {
        guard bytes.count >= size else { throw DataError(path, "truncated NIfTI header (\(bytes.count) of \(size) bytes)") }
        let little = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } == Int32(size)
        let big = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).byteSwapped } == Int32(size)
        guard little || big else { throw DataError(path, "not a NIfTI-1 file (header size is not 348)") }
        func int16(_ offset: Int) -> Int16 {
            let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int16.self) }
            return little ? raw : raw.byteSwapped
        }
        func float(_ offset: Int) -> Float {
            let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
            return Float(bitPattern: little ? raw : raw.byteSwapped)
        }
        let magic = Array(bytes[344..<347])
        guard magic == Array("n+1".utf8) || magic == Array("ni1".utf8) else { throw DataError(path, "bad NIfTI magic") }
        let rank = Int(int16(40))
        guard (1...7).contains(rank) else { throw DataError(path, "dim[0] = \(rank), expected 1 to 7 axes") }
        let dimensions = (1...rank).map { Int(int16(40 + 2 * $0)) }
        guard dimensions.allSatisfy({ $0 > 0 }) else { throw DataError(path, "dimensions \(dimensions) must be positive") }
        let code = int16(70)
        guard let type = NIfTIDataType(rawValue: code) else {
            throw DataError(path, "NIfTI data type \(code) is not supported (\(NIfTIDataType.allCases.map(\.name).joined(separator: ", ")))")
        }
        let descrip = bytes[148..<228].prefix { $0 != 0 }
        let header = NIfTIHeader(
            dimensions: dimensions, pixdim: (0..<8).map { float(76 + 4 * $0) }, dataType: type,
            slope: float(112), intercept: float(116), dataOffset: float(108), units: bytes[123],
            qformCode: int16(252), sformCode: int16(254), quaternion: (0..<6).map { float(256 + 4 * $0) },
            sform: (0..<12).map { float(280 + 4 * $0) }, intent: int16(68), text: String(decoding: descrip, as: UTF8.self))
        return (header, little)
    }

    /// The 352 bytes of this header as a little-endian single file with the data at byte 352
    /// (`vox_offset` is set to 352; `bitpix` follows the data type).
    func encoded() -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 352)
        func put<T>(_ value: T, at offset: Int) { withUnsafeBytes(of: value) { for (i, b) in $0.enumerated() { h[offset + i] = b } } }
        put(Int32(Self.size), at: 0)
        h[38] = UInt8(ascii: "r")
        for (i, d) in ([dimensions.count] + dimensions).enumerated() { put(Int16(d), at: 40 + 2 * i) }
        for i in (dimensions.count + 1)..<8 { put(Int16(1), at: 40 + 2 * i) }
        put(intent, at: 68)
        put(dataType.rawValue, at: 70)
        put(Int16(8 * dataType.width), at: 72)
        for (i, p) in pixdim.prefix(8).enumerated() { put(p, at: 76 + 4 * i) }
        put(Float(352), at: 108)
        put(slope, at: 112)
        put(intercept, at: 116)
        h[123] = units
        for (i, b) in text.utf8.prefix(79).enumerated() { h[148 + i] = b }
        put(qformCode, at: 252)
        put(sformCode, at: 254)
        for (i, q) in quaternion.prefix(6).enumerated() { put(q, at: 256 + 4 * i) }
        for (i, s) in sform.prefix(12).enumerated() { put(s, at: 280 + 4 * i) }
        for (i, b) in Array("n+1\0".utf8).enumerated() { h[344 + i] = b }
        return h
    }
}

/// The voxel data types read and written (NIfTI `datatype` codes).
public enum NIfTIDataType: Int16, Sendable, CaseIterable {
    /// `DT_UINT8`.
    case uint8 = 2
    /// `DT_INT16`.
    case int16 = 4
    /// `DT_INT32`.
    case int32 = 8
    /// `DT_FLOAT32`.
    case float32 = 16
    /// `DT_FLOAT64`.
    case float64 = 64
    /// `DT_INT8`.
    case int8 = 256
    /// `DT_UINT16`.
    case uint16 = 512

    /// Bytes per voxel.
    public var width: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    /// The smallest and largest stored value of an integer type; `nil` for floating point.
    public var integerRange: ClosedRange<Double>? {
        switch self {
        case .uint8: 0...255
        case .int8: -128...127
        case .int16: -32768...32767
        case .uint16: 0...65535
        case .int32: -2_147_483_648...2_147_483_647
        case .float32, .float64: nil
        }
    }

    /// The type's name (`uint8`, `float32`, …).
    public var name: String { "\(self)" }
}
