import GridCore

/// Copies of axis-aligned boxes between row-major arrays: how the blocked FFT path cuts windows
/// out of signals and writes the valid part of each inverse transform back.
enum BoxCopy {
    /// Row-major strides of an array of `extent`.
    static func strides(_ extent: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: extent.count)
        for a in stride(from: extent.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * extent[a + 1] }
        return strides
    }

    /// Copies a box of `count` elements per axis from `source` (strides `sourceStrides`, last
    /// axis contiguous) to `target` (strides `targetStrides`, last axis contiguous), multiplied
    /// by `scale`. Does nothing when the box is empty.
    static func copy(count: [Int], from source: UnsafePointer<Float>, _ sourceStrides: [Int],
                     to target: UnsafeMutablePointer<Float>, _ targetStrides: [Int], scale: Float = 1) {
        let rank = count.count, width = count[rank - 1]
        guard count.allSatisfy({ $0 > 0 }) else { return }
        var index = [Int](repeating: 0, count: rank)
        var from = 0, to = 0
        while true {
            let row = source + from, out = target + to
            if scale == 1 { out.update(from: row, count: width) } else { for i in 0..<width { out[i] = row[i] * scale } }
            // Next row: advance the outer axes like an odometer.
            var a = rank - 2
            while a >= 0 {
                index[a] += 1
                from += sourceStrides[a]
                to += targetStrides[a]
                if index[a] < count[a] { break }
                from -= index[a] * sourceStrides[a]
                to -= index[a] * targetStrides[a]
                index[a] = 0
                a -= 1
            }
            if a < 0 { return }
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
        let sourceStrides = strides(extent), windowStrides = strides(size)
        let from = first.indices.reduce(0) { $0 + first[$1] * sourceStrides[$1] }
        let to = first.indices.reduce(0) { $0 + (first[$1] - origin[$1]) * windowStrides[$1] }
        copy(count: count, from: source + from, sourceStrides, to: window + to, windowStrides)
    }
}
