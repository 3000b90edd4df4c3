import GridCore

/// A traversal of the im2col (vol2col, for any spatial rank) column matrix of one image's channel
/// group, bounds resolved: the col2im of the direct engine's input gradient when there is no
/// adjoint convolution (strides above 1, or padding beyond the kernel's reach).
///
/// Row `r = c·∏k + q` of the column matrix (`c` an input channel of the group, `q` a kernel tap in
/// row-major order, matching the kernel layout `[Cout, Cin/g, k…]`) holds, for every output
/// position `p`, the zero-padded input value `x[c, p·stride + q·dilation − low]`, so that
/// `out(Cout_g × P) = K_g(Cout_g × rows) · col(rows × P)`.
///
/// The traversal is rank-erased: the leading `D − 1` axes are resolved by a precomputed table of
/// input row offsets per (leading tap, output line), and the last axis is walked as a run with a
/// precomputed valid range, so the inner loops are contiguous (stride 1) or strided loops on raw
/// pointers. Any range of output positions can be traversed, so large outputs go in tiles.
struct ColumnLayout: Sendable {
    /// Input channels per group (`Cin/g`).
    let channels: Int
    /// Elements in one input channel plane, `∏x`.
    let inputPlane: Int
    /// Kernel taps, `∏k`.
    let taps: Int
    /// Output positions, `∏y` (the width of one image's block of columns).
    let positions: Int
    /// Output extent on the last axis: the columns of one output line.
    private let lineLength: Int
    /// Output lines: positions over the leading `D − 1` axes (`positions = lines · lineLength`).
    private let lines: Int
    /// Kernel taps over the leading `D − 1` axes.
    private let leadingTaps: Int
    /// Stride on the last axis.
    let lastStride: Int
    /// `[leadingTaps][lines]`: offset of the input row read, or −1 when it lies in the padding.
    private let rowOffsets: [Int]
    /// Per tap on the last axis: the output indices that read inside the input, and the shift.
    private let runs: [Run]

    /// How one kernel tap on the last axis reads an output line: output index `j` reads input
    /// index `shift + j·stride`, which lies inside the input for `j` in `low..<high`.
    struct Run: Sendable {
        /// First output index (on the last axis) that reads inside the input.
        let low: Int
        /// One past the last output index that reads inside the input.
        let high: Int
        /// Input index (on the last axis) read by output index 0, `tap·dilation − padLow`.
        let shift: Int

        /// The valid range within the segment `first..<end` (empty ranges collapse in it).
        @inline(__always)
        func clipped(_ first: Int, _ end: Int) -> (Int, Int) {
            let low = Swift.min(Swift.max(self.low, first), end)
            return (low, Swift.max(low, Swift.min(self.high, end)))
        }
    }

    /// Rows of the column matrix, `Cin/g · ∏k`.
    var rows: Int { channels * taps }

    /// The packing of `geometry` (zero padding `padLow`/`padHigh`, its padding mode ignored).
    init(geometry g: ConvolutionGeometry) {
        let d = g.spatialRank
        channels = g.inChannels / g.groups
        inputPlane = g.inputSize.reduce(1, *)
        taps = g.kernelSize.reduce(1, *)
        positions = g.outputSize.reduce(1, *)
        lineLength = g.outputSize[d - 1]
        lastStride = g.stride[d - 1]
        lines = positions / lineLength
        leadingTaps = taps / g.kernelSize[d - 1]

        var offsets: [Int] = []
        offsets.reserveCapacity(leadingTaps * lines)
        let rowLength = g.inputSize[d - 1]
        RowMajor.forEachIndex(Array(g.kernelSize.dropLast())) { tap in
            RowMajor.forEachIndex(Array(g.outputSize.dropLast())) { position in
                var offset = 0
                for a in 0..<(d - 1) {
                    let x = position[a] * g.stride[a] + tap[a] * g.dilation[a] - g.padLow[a]
                    guard x >= 0 && x < g.inputSize[a] else {
                        offset = -1
                        break
                    }
                    offset = offset * g.inputSize[a] + x
                }
                offsets.append(offset < 0 ? -1 : offset * rowLength)
            }
        }
        rowOffsets = offsets

        let s = lastStride, dil = g.dilation[d - 1], pad = g.padLow[d - 1]
        runs = (0..<g.kernelSize[d - 1]).map { q in
            let shift = q * dil - pad  // input index read by output 0
            let low = Swift.min(Swift.max(0, (-shift + s - 1) / s), g.outputSize[d - 1])
            let high = Swift.max(low, Swift.min(g.outputSize[d - 1], Self.ceilDiv(rowLength - shift, s)))
            return Run(low: low, high: high, shift: shift)
        }
    }

    /// col2im: adds every entry of a tile of the column matrix onto the input element it holds
    /// (entries of the padding are dropped).
    /// - Parameters:
    ///   - columns: row-major `rows × ld`, the tile of positions `part` at column 0.
    ///   - gradInput: the group's first channel plane of the input gradient (accumulated into).
    func unpackAdding(
        _ columns: UnsafeMutablePointer<Float>, ld: Int, positions part: Range<Int>, into gradInput: UnsafeMutablePointer<Float>
    ) {
        traverse(columns, ld: ld, positions: part) { src, base, run, first, end, _ in
            guard let base else { return }
            let (low, high) = run.clipped(first, end)
            let dst = gradInput + (base + low * lastStride), from = src + (low - first)
            if lastStride == 1 {
                for j in 0..<(high - low) { dst[j] += from[j] }
            } else {
                for j in 0..<(high - low) { dst[j * lastStride] += from[j] }
            }
        }
    }

    /// Calls `body(columns, base, run, first, end, row)` for every segment of an output line
    /// within `part`, for each row of the matrix, in memory order: `columns` points at the
    /// segment's first column (`ld = 0` makes it point into a single row of `part.count` values),
    /// the segment covers indices `first..<end` of the line's last axis, and output index `j` of
    /// the line reads input offset `base + j·stride` (`base` is `nil` when the whole line lies in
    /// the padding).
    @inline(__always)
    func traverse(
        _ columns: UnsafeMutablePointer<Float>, ld: Int, positions part: Range<Int>,
        _ body: (UnsafeMutablePointer<Float>, Int?, Run, Int, Int, Int) -> Void
    ) {
        rowOffsets.withUnsafeBufferPointer { offsets in
            runs.withUnsafeBufferPointer { runs in
                var row = 0
                for c in 0..<channels {
                    let plane = c * inputPlane
                    for leadingTap in 0..<leadingTaps {
                        let table = offsets.baseAddress! + leadingTap * lines
                        for run in runs {
                            var dst = columns + row * ld
                            var p = part.lowerBound
                            while p < part.upperBound {
                                let line = p / lineLength, first = p - line * lineLength
                                let end = Swift.min(lineLength, first + part.upperBound - p)
                                let offset = table[line]
                                body(dst, offset < 0 ? nil : plane + offset + run.shift, run, first, end, row)
                                dst += end - first
                                p += end - first
                            }
                            row += 1
                        }
                    }
                }
            }
        }
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
}
