import GridCore

/// The column matrix of one channel group of a chunk of images, described by offsets into the
/// zero-padded input (a ``GatheredMatrix``) instead of written out: row `r = c·∏k + q` reads input
/// channel `c` of the group at kernel tap `q`, column `j = i·P + p` reads image `i` of the chunk
/// at output position `p` (`P` positions per image or tile), and element `(r, j)` is the input
/// at `p·stride + q·dilation − low`.
///
/// With padding, a work item first copies its images into a scratch buffer whose borders are
/// zero (``source(_:images:imageStride:padded:)``), so the matrix product reads no bounds;
/// without padding the offsets address the input in place. Column offsets are tabulated once
/// for chunks of up to ``tableLimit`` columns; larger outputs fill them per tile of positions,
/// so memory stays proportional to a tile, not to the output.
struct GatheredColumns: Sendable {
    /// Whether the input is read through a zero-bordered copy.
    let isPadded: Bool
    /// Offset of each row (`Cin/g · ∏k` of them) from the first element of the group.
    let rowOffsets: [Int]
    /// Floats between consecutive images in the padded copy, or in the input itself.
    let imageStride: Int
    /// Offset of the first position of each output line (the leading axes, row-major) in an image.
    let outputLineOffsets: [Int]
    /// Output positions per line (the last axis), and the offset between consecutive ones.
    let outputLine: (length: Int, step: Int)
    /// Offsets of every column of a full chunk, or empty when there are more than ``tableLimit``.
    private let columnTable: [Int]
    private let channels: Int
    private let inputPlane: Int
    private let paddedPlane: Int
    /// Length of an input line (the last axis).
    private let lineLength: Int
    /// Offset in a padded plane of each input line (row-major over the leading axes).
    private let lineOffsets: [Int]

    /// Most column offsets tabulated at once (8 MiB).
    static let tableLimit = 1 << 20

    /// The offsets of `geometry` for chunks of up to `images` images.
    init(geometry g: ConvolutionGeometry, images: Int) {
        let rank = g.spatialRank
        isPadded = !g.isUnpadded
        channels = g.inChannels / g.groups
        inputPlane = g.inputSize.reduce(1, *)
        let extents = isPadded ? g.paddedSize : g.inputSize
        paddedPlane = extents.reduce(1, *)
        imageStride = isPadded ? channels * paddedPlane : g.inChannels * inputPlane
        let axisStrides = rowMajorStrides(extents)
        let tapOffsets = rowMajorOffsets(g.kernelSize, steps: (0..<rank).map { g.dilation[$0] * axisStrides[$0] })
        let channelStride = isPadded ? paddedPlane : inputPlane
        rowOffsets = (0..<channels).flatMap { c in tapOffsets.map { c * channelStride + $0 } }
        outputLineOffsets = rowMajorOffsets(
            Array(g.outputSize.dropLast()), steps: (0..<(rank - 1)).map { g.stride[$0] * axisStrides[$0] })
        outputLine = (g.outputSize[rank - 1], g.stride[rank - 1])
        lineLength = g.inputSize[rank - 1]
        let corner = (0..<rank).reduce(0) { $0 + g.padLow[$1] * axisStrides[$1] }
        lineOffsets = rowMajorOffsets(Array(g.inputSize.dropLast()), steps: Array(axisStrides.dropLast())).map { corner + $0 }
        let positions = g.outputSize.reduce(1, *)
        let (lines, line, stride) = (outputLineOffsets, outputLine, imageStride)
        columnTable = images * positions > Self.tableLimit ? [] : (0..<images).flatMap { i in
            (0..<positions).map { i * stride + Self.offset(of: $0, lines: lines, line: line) }
        }
    }

    /// Offset of output position `p` within an image whose lines start at `lines`.
    @inline(__always)
    private static func offset(of p: Int, lines: [Int], line: (length: Int, step: Int)) -> Int {
        lines[p / line.length] + p % line.length * line.step
    }

    /// The bytes of the offset tables.
    var retainedBytes: Int {
        (rowOffsets.count + outputLineOffsets.count + columnTable.count + lineOffsets.count) * MemoryLayout<Int>.stride
    }

    /// Whether column offsets must be filled per tile (see ``withMatrix(base:images:positions:indices:transposed:_:)``).
    var fillsColumns: Bool { columnTable.isEmpty }

    /// Floats of the padded copy of `images` images (0 without padding).
    func paddedCount(images: Int) -> Int { isPadded ? images * imageStride : 0 }

    /// The base the offsets address for `images` images of one group whose first channel plane
    /// is at `input` (images `imageStride` floats apart in the input): `input` itself without
    /// padding, else `padded`, into which the images are copied. The borders of `padded` (its
    /// first ``paddedCount(images:)`` floats) must already be zero; only the interior is written.
    func source(
        _ input: UnsafePointer<Float>, images: Int, imageStride inputImage: Int, padded: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        guard isPadded else { return input }
        lineOffsets.withUnsafeBufferPointer { lines in
            for i in 0..<images {
                for c in 0..<channels {
                    let from = input + i * inputImage + c * inputPlane, to = padded + i * imageStride + c * paddedPlane
                    for (line, offset) in lines.enumerated() {
                        (to + offset).update(from: from + line * lineLength, count: lineLength)
                    }
                }
            }
        }
        return UnsafePointer(padded)
    }

    /// One image's column matrix as output lines: position `j` of line `l` reads
    /// `x[lines[l] + taps[q] + j·step]` at row `q`.
    struct Lines {
        let x: UnsafePointer<Float>
        let lines: UnsafePointer<Int>
        let count: Int, length: Int, step: Int
        let taps: UnsafePointer<Int>
    }

    /// The arguments of the line products (`wc_line_products`, `wc_line_correlations`) over the
    /// column matrix of one image read from `base`.
    func withLines<R>(base: UnsafePointer<Float>, _ body: (Lines) -> R) -> R {
        rowOffsets.withUnsafeBufferPointer { rows in
            outputLineOffsets.withUnsafeBufferPointer { lines in
                body(Lines(
                    x: base, lines: lines.baseAddress!, count: lines.count, length: outputLine.length, step: outputLine.step,
                    taps: rows.baseAddress!))
            }
        }
    }

    /// The column matrix of `images` images read from `base` (from ``source(_:images:imageStride:padded:)``)
    /// at the output positions `part` (every position when `images > 1`): `Cin/g·∏k` rows by
    /// `images·part.count` columns, or, `transposed`, the other way round. When ``fillsColumns``,
    /// the column offsets are written into `indices` (`part.count` of them, one image).
    func withMatrix<R>(
        base: UnsafePointer<Float>, images: Int, positions part: Range<Int>, indices: UnsafeMutablePointer<Int>?,
        transposed: Bool = false, _ body: (GatheredMatrix) -> R
    ) -> R {
        rowOffsets.withUnsafeBufferPointer { rows in
            columnTable.withUnsafeBufferPointer { table in
                let columns: UnsafePointer<Int>
                if !fillsColumns {
                    columns = table.baseAddress! + part.lowerBound
                } else {
                    precondition(images == 1, "outputs without a column table are computed one image at a time")
                    for (j, p) in part.enumerated() { indices![j] = Self.offset(of: p, lines: outputLineOffsets, line: outputLine) }
                    columns = UnsafePointer(indices!)
                }
                let (depth, across) = transposed ? (columns, rows.baseAddress!) : (rows.baseAddress!, columns)
                return body(GatheredMatrix(base: base, depthOffsets: depth, columnOffsets: across))
            }
        }
    }
}
