/// A small row-major block placed inside a larger row-major array at an offset, with a step
/// between neighbouring elements on each axis: how signals, dilated kernels and strided outputs
/// sit inside an FFT buffer.
struct StridedBlock {
    /// Extents of the small block.
    let shape: [Int]
    /// Extents of the large array.
    let size: [Int]
    /// Position of the block's first element, per axis.
    let offset: [Int]
    /// Distance between neighbouring block elements, per axis.
    let step: [Int]

    /// The bytes of this description.
    var retainedBytes: Int { (shape.count + size.count + offset.count + step.count) * MemoryLayout<Int>.stride }

    /// Large-array offsets of every row start of the block (all axes but the last), and the
    /// large-array step along the last axis.
    private func rows() -> (starts: [Int], stride: Int) {
        let rank = size.count
        var strides = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * size[a + 1] }
        var starts = [offset.indices.reduce(0) { $0 + offset[$1] * strides[$1] }]
        for a in 0..<(rank - 1) {
            starts = starts.flatMap { base in (0..<shape[a]).map { base + $0 * step[a] * strides[a] } }
        }
        return (starts, step[rank - 1])
    }

    /// Writes the block's values into `large` (other elements untouched).
    func scatter(_ small: UnsafePointer<Float>, into large: UnsafeMutablePointer<Float>) {
        let (starts, stride) = rows()
        let width = shape[shape.count - 1]
        for (r, start) in starts.enumerated() {
            let source = small + r * width
            for i in 0..<width { large[start + i * stride] = source[i] }
        }
    }

    /// Reads the block's values out of `large`, multiplied by `scale`.
    func gather(_ large: UnsafePointer<Float>, into small: UnsafeMutablePointer<Float>, scale: Float) {
        let (starts, stride) = rows()
        let width = shape[shape.count - 1]
        for (r, start) in starts.enumerated() {
            let target = small + r * width
            for i in 0..<width { target[i] = large[start + i * stride] * scale }
        }
    }
}
