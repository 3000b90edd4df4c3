import GridCore

/// Copies of axis-aligned boxes between row-major arrays: how the blocked FFT path cuts windows
/// out of signals and writes the valid part of each inverse transform back.
enum BoxCopy {
    /// Copies a box of `count` elements per axis from `source` (strides `sourceStrides`, last
    /// axis contiguous) to `target` (strides `targetStrides`, last axis contiguous), multiplied
    /// by `scale`. Does nothing when the box is empty.
    static func copy(count: [Int], from source: UnsafePointer<Float>, _ sourceStrides: [Int],
                     to target: UnsafeMutablePointer<Float>, _ targetStrides: [Int], scale: Float = 1) {
        guard let width = count.last, count.allSatisfy({ $0 > 0 }) else { return }
        RowMajor.forEachIndex(Array(count.dropLast())) { row in
            var from = 0, to = 0
            for axis in row.indices {
                from += row[axis] * sourceStrides[axis]
                to += row[axis] * targetStrides[axis]
            }
            let input = source + from, out = target + to
            if scale == 1 { out.update(from: input, count: width) } else { for i in 0..<width { out[i] = input[i] * scale } }
        }
    }

    /// Fills `window` (row-major, extent `size`) with the values of `source` (row-major, extent
    /// `extent`) at positions `origin + u`, zero where `origin + u` lies outside
    /// `low ..< high` (which must lie inside `0 ..< extent`) on some axis.
    static func load(_ source: UnsafePointer<Float>, extent: [Int], origin: [Int], low: [Int], high: [Int],
                     into window: UnsafeMutablePointer<Float>, size: [Int]) {
        window.update(repeating: 0, count: size.reduce(1, *))
        let first = origin.indices.map { Swift.max(origin[$0], low[$0]) }
        let count = origin.indices.map { Swift.min(origin[$0] + size[$0], high[$0]) - first[$0] }
        guard count.allSatisfy({ $0 > 0 }) else { return }
        let sourceStrides = RowMajor.strides(extent), windowStrides = RowMajor.strides(size)
        let from = first.indices.reduce(0) { $0 + first[$1] * sourceStrides[$1] }
        let to = first.indices.reduce(0) { $0 + (first[$1] - origin[$1]) * windowStrides[$1] }
        copy(count: count, from: source + from, sourceStrides, to: window + to, windowStrides)
    }
}
