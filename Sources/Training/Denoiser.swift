import Datasets
import GridCore
import NeuralNetwork

/// Applies a trained denoising model to whole signals of any spatial rank — series (1-D), images
/// (2-D), volumes (3-D) — in evaluation mode (fully convolutional).
///
/// Every spatial axis is padded to the size multiple the model needs (by reflection, or by
/// repeating the edge when an axis is too short to reflect), then the signal is processed in
/// tiles of ``tileSize`` along every axis (squares, cubes) with ``overlap`` samples of context on
/// every side, without recording gradients, so the memory a photograph or a volume needs is
/// bounded by the tile, not by the signal. For a model whose output at a sample depends only on
/// the input within ``overlap`` samples (DnCNN with `overlap ≥ depth·⌊k/2⌋`) the tiled result
/// equals the untiled one; a model with global operations (NAFNet's channel attention averages
/// over what it sees) gives a close but not identical result.
public struct Denoiser {
    /// The trained model.
    public let model: any Module
    /// Sides are padded to a multiple of this (NAFNet: `2^levels`); tiles start at multiples of it.
    public let multiple: Int
    /// Side of the tiles that are kept from each model call (rounded up to ``multiple``); `nil`
    /// for ``defaultTileSize(spatialRank:)`` of the signal's rank.
    public let tileSize: Int?
    /// Context added around each tile (rounded up to ``multiple``): at least the model's
    /// receptive-field radius for a result identical to the untiled one.
    public let overlap: Int

    /// A denoiser; `multiple` is 4 by default, enough for the default NAFNet; tiles of
    /// ``defaultTileSize(spatialRank:)`` with 32 samples of context (more than the default
    /// DnCNN's radius of 16).
    /// - Precondition: `multiple ≥ 1`, `tileSize ≥ 1` when given, `overlap ≥ 0`.
    public init(model: any Module, multiple: Int = 4, tileSize: Int? = nil, overlap: Int = 32) {
        precondition(multiple >= 1 && (tileSize ?? 1) >= 1 && overlap >= 0, "denoiser: multiple, tile size ≥ 1, overlap ≥ 0")
        self.model = model
        self.multiple = multiple
        self.tileSize = tileSize.map { Self.roundedUp($0, to: multiple) }
        self.overlap = Self.roundedUp(overlap, to: multiple)
    }

    /// The default tile side for signals of `spatialRank` axes: 16384 samples for series, 256
    /// pixels for images, 48 voxels for volumes (about 110 000 voxels kept per call; with a
    /// context of 16 a call sees 80³ voxels, about 63 MiB per 32-channel activation), 16 for 4 axes
    /// or more.
    public static func defaultTileSize(spatialRank: Int) -> Int {
        switch spatialRank {
        case ...1: 16_384
        case 2: 256
        case 3: 48
        default: 16
        }
    }

    /// The restored image, clipped to `[0, 1]`.
    /// - Throws: the model's shape errors (e.g. a channel count it was not trained for).
    public func denoise(_ image: Image) throws -> Image {
        let pixels = try denoise(channels: image.channels, extents: [image.height, image.width], values: image.pixels)
        return Image(channels: image.channels, height: image.height, width: image.width, pixels: pixels)
    }

    /// The restored one-channel signal of `N` spatial axes (a series `[length]`, a volume
    /// `[x, y, z]`), clipped to `[0, 1]`.
    /// - Throws: the model's shape errors (e.g. a model of another spatial rank).
    public func denoise<let N: Int>(_ signal: Grid<N>) throws -> Grid<N> {
        try Grid<N>(dims: signal.dims, scalars: try denoise(channels: 1, extents: signal.dims, values: signal.scalars))
    }

    /// The restored signal of `channels` channels and spatial `extents` (row-major
    /// `[channels, extents…]` values), clipped to `[0, 1]`: the model sees `[1, channels, window…]`
    /// tensors, one per tile.
    /// - Parameters:
    ///   - channels: the signal's channels.
    ///   - extents: the extent of each spatial axis (one or more).
    ///   - values: the `channels·∏extents` values, row-major.
    ///   - progress: called after each tile with the tiles done and their total.
    /// - Throws: ``TrainingError`` when `values` do not fill the shape, the shape has no spatial
    ///   axis, or the model returns another shape than it was given; the model's shape errors.
    public func denoise(channels: Int, extents: [Int], values: [Float],
                        progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [Float] {
        let shape = [channels] + extents
        guard !extents.isEmpty, shape.allSatisfy({ $0 >= 0 }), SizeLimits.product(shape) == values.count else {
            throw TrainingError("a signal of \(values.count) values does not have \(channels) channels of \(extents) samples")
        }
        model.setTraining(false)
        guard !values.isEmpty else { return values }
        let padded = extents.map { Self.roundedUp($0, to: multiple) }
        let canReflect = zip(padded, extents).allSatisfy { $0 - $1 < $1 }
        let padding = try Padding(inputShape: shape, low: shape.map { _ in 0 }, high: [0] + zip(padded, extents).map { $0 - $1 },
                                  mode: canReflect ? .reflect : .replicate)
        var source = [Float](repeating: 0, count: padding.outputShape.reduce(1, *))
        values.withUnsafeBufferPointer { input in source.withUnsafeMutableBufferPointer { padding.forward(input, into: $0) } }
        let sourceStrides = RowMajor.strides(padding.outputShape), resultStrides = RowMajor.strides(shape)
        let tile = tileSize ?? Self.roundedUp(Self.defaultTileSize(spatialRank: extents.count), to: multiple)
        let tiles = extents.map { ($0 + tile - 1) / tile }
        var result = [Float](repeating: 0, count: values.count)
        var done = 0
        try RowMajor.forEachIndex(tiles) { position in
            let start = position.map { $0 * tile }
            let windowStart = start.map { max(0, $0 - overlap) }
            let windowEnd = start.indices.map { min(padded[$0], start[$0] + tile + overlap) }
            let window = [channels] + zip(windowEnd, windowStart).map { $0 - $1 }
            let base = zip(windowStart, sourceStrides.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
            let input = RowMajor.offsets(window, steps: sourceStrides, base: base).map { source[$0] }
            let output = try withoutGradients { try model(Variable(Tensor(shape: [1] + window, scalars: input))) }.value
            guard output.shape == [1] + window else {
                throw TrainingError("the model turned a \(([1] + window).map(String.init).joined(separator: "×")) input into "
                    + "\(output.shape.map(String.init).joined(separator: "×")); a denoiser keeps the shape")
            }
            keep(output.scalars, window: window, offset: zip(start, windowStart).map { $0 - $1 },
                     kept: [channels] + start.indices.map { min(extents[$0], start[$0] + tile) - start[$0] },
                     into: &result, at: zip(start, resultStrides.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }, strides: resultStrides)
            done += 1
            progress?(done, tiles.reduce(1, *))
        }
        return result
    }

    /// Copies the `kept` block of a model output (`window`, kept block starting at `offset` on
    /// the spatial axes) into `result` at `base`, clipped to `[0, 1]`.
    private func keep(_ output: [Float], window: [Int], offset: [Int], kept: [Int], into result: inout [Float],
                      at base: Int, strides: [Int]) {
        let windowStrides = RowMajor.strides(window)
        let from = RowMajor.offsets(kept, steps: windowStrides, base: zip(offset, windowStrides.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 })
        let to = RowMajor.offsets(kept, steps: strides, base: base)
        for (target, origin) in zip(to, from) { result[target] = min(max(output[origin], 0), 1) }
    }

    private static func roundedUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
