/// The column matrix of one channel group of a chunk of images, described by offsets into the
/// zero-padded input (a ``GatheredMatrix``) instead of written out: row `r = c·∏k + q` reads input
/// channel `c` of the group at kernel tap `q`, column `j = i·∏y + p` reads image `i` of the chunk
/// at output position `p`, and element `(r, j)` is the input at `p·stride + q·dilation − low`.
///
/// With padding, a work item first copies its images into a scratch buffer whose borders are
/// zero (``copyPadded(_:images:imageStride:into:)``), so the matrix product reads no bounds;
/// without padding the offsets address the input in place.
struct GatheredColumns: Sendable {
    /// Whether the input is read through a zero-bordered copy.
    let isPadded: Bool
    /// Offset of each row (`Cin/g · ∏k` of them) from the first element of the group.
    let rowOffsets: [Int]
    /// Offset of each column of a full chunk (`images · ∏y` of them).
    let columnOffsets: [Int]
    /// Floats between consecutive images in the padded copy, or in the input itself.
    let imageStride: Int
    /// Output positions of one image, `∏y`.
    private let positions: Int
    /// Output positions per line (the last axis) and the stride along it.
    private let outputLine: (length: Int, stride: Int)
    private let channels: Int
    private let inputPlane: Int
    private let paddedPlane: Int
    /// Length of an input line (the last axis).
    private let lineLength: Int
    /// Offset in a padded plane of each input line (row-major over the leading axes).
    private let lineOffsets: [Int]

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
        let positionOffsets = rowMajorOffsets(g.outputSize, steps: (0..<rank).map { g.stride[$0] * axisStrides[$0] })
        columnOffsets = (0..<images).flatMap { [imageStride] i in positionOffsets.map { i * imageStride + $0 } }
        lineLength = g.inputSize[rank - 1]
        outputLine = (g.outputSize[rank - 1], g.stride[rank - 1])
        positions = g.outputSize.reduce(1, *)
        let corner = (0..<rank).reduce(0) { $0 + g.padLow[$1] * axisStrides[$1] }
        lineOffsets = rowMajorOffsets(Array(g.inputSize.dropLast()), steps: Array(axisStrides.dropLast())).map { corner + $0 }
    }

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
    /// `x[columns[l·length] + taps[q] + j·stride]` at row `q`.
    struct Lines {
        let x: UnsafePointer<Float>
        let columns: UnsafePointer<Int>
        let lines: Int, length: Int, stride: Int
        let taps: UnsafePointer<Int>
    }

    /// The arguments of the line products (`wc_line_products`, `wc_line_correlations`) over the
    /// column matrix of one image read from `base`.
    func withLines<R>(base: UnsafePointer<Float>, _ body: (Lines) -> R) -> R {
        rowOffsets.withUnsafeBufferPointer { rows in
            columnOffsets.withUnsafeBufferPointer { columns in
                body(Lines(
                    x: base, columns: columns.baseAddress!, lines: positions / outputLine.length, length: outputLine.length,
                    stride: outputLine.stride, taps: rows.baseAddress!))
            }
        }
    }

    /// The column matrix of `images` images read from `base` (from ``source(_:images:imageStride:padded:)``):
    /// `Cin/g·∏k` rows by `images·∏y` columns, or, `transposed`, the other way round.
    func withMatrix<R>(
        base: UnsafePointer<Float>, transposed: Bool = false, _ body: (GatheredMatrix) -> R
    ) -> R {
        rowOffsets.withUnsafeBufferPointer { rows in
            columnOffsets.withUnsafeBufferPointer { columns in
                let (depth, across) = transposed ? (columns, rows) : (rows, columns)
                return body(GatheredMatrix(base: base, depthOffsets: depth.baseAddress!, columnOffsets: across.baseAddress!))
            }
        }
    }
}

/// `Σ index[a]·steps[a]` for every multi-index of `shape`, in row-major order (`[0]` for an
/// empty shape).
func rowMajorOffsets(_ shape: [Int], steps: [Int]) -> [Int] {
    var result = [0]
    for (extent, step) in zip(shape, steps) {
        result = result.flatMap { base in (0..<extent).map { base + $0 * step } }
    }
    return result
}

/// The distance between consecutive indices on each axis of a row-major array of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
    return strides
}
