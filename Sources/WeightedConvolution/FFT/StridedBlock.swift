import GridCore

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
        let strides = RowMajor.strides(size)
        let corner = offset.indices.reduce(0) { $0 + offset[$1] * strides[$1] }
        let starts = RowMajor.offsets(
            Array(shape.dropLast()), steps: (0..<(rank - 1)).map { step[$0] * strides[$0] }, base: corner)
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
