/// A NIfTI-1 header (little-endian, data at byte 352) for the format, hostile-input and fuzz tests.
public func niftiHeader(dims: [Int16], type: Int16, bitpix: Int16, slope: Float, intercept: Float) -> [UInt8] {
    var h = [UInt8](repeating: 0, count: 352)
    func put<T>(_ value: T, at offset: Int) { withUnsafeBytes(of: value) { for (i, b) in $0.enumerated() { h[offset + i] = b } } }
    put(Int32(348), at: 0)
    for (i, d) in ([Int16(3)] + dims + [1, 1, 1, 1]).enumerated() { put(d, at: 40 + 2 * i) }
    put(type, at: 70)
    put(bitpix, at: 72)
    put(Float(352), at: 108)
    put(slope, at: 112)
    put(intercept, at: 116)
    for (i, b) in Array("n+1\0".utf8).enumerated() { h[344 + i] = b }
    return h
}
