import CMatrixProduct

/// How a ``WinogradConvolution`` cuts a layer into tiles: the layer seen as rank-3 planes (a
/// layer of rank `N < 3` gets leading axes of size 1, on which a tile is 1 wide), the tiles per
/// axis, and the blocks of consecutive tiles (across the batch) as runs along the last axis.
struct WinogradTiling: Sendable {
    /// The C description of the planes and the algorithm.
    let layout: wc_winograd_layout
    /// Tiles per axis of the rank-3 view (1 on the leading axes a lower rank adds).
    let tileCounts: [Int]
    /// Tiles of the whole batch.
    let tiles: Int
    /// Transform positions per tile, `α^N`.
    let positions: Int
    private let inputPlane: Int, outputPlane: Int, inChannels: Int, outChannels: Int

    /// The tiling of `geometry` by `tile` (one of ``WinogradConvolution/Tile/tiles(for:)``).
    init(geometry g: ConvolutionGeometry, tile: WinogradConvolution.Tile) {
        let lead = 3 - g.spatialRank
        func view(_ sizes: [Int], filler: Int) -> (Int, Int, Int) {
            let full = Array(repeating: filler, count: lead) + sizes
            return (full[0], full[1], full[2])
        }
        layout = wc_winograd_layout(
            algorithm: Int32(tile.algorithm.rawValue), rank: Int32(g.spatialRank),
            input: view(g.inputSize, filler: 1), output: view(g.outputSize, filler: 1), pad: view(g.padLow, filler: 0))
        tileCounts = Array(repeating: 1, count: lead) + g.outputSize.map { ($0 + tile.outputs - 1) / tile.outputs }
        tiles = g.batch * tileCounts.reduce(1, *)
        positions = tile.positions(rank: g.spatialRank)
        inputPlane = g.inputSize.reduce(1, *)
        outputPlane = g.outputSize.reduce(1, *)
        inChannels = g.inChannels
        outChannels = g.outChannels
    }

    /// The tiles of one block as runs of consecutive tiles along the last axis, with the image
    /// offsets of the input and of the output (the runs take consecutive lanes).
    struct Block {
        let inputRuns: [wc_tile_run], outputRuns: [wc_tile_run], tiles: Int
    }

    /// The runs of tiles of block `index` of `size` tiles.
    func block(_ index: Int, size: Int) -> Block {
        let first = index * size, end = Swift.min(first + size, tiles)
        let perImage = tileCounts.reduce(1, *), columns = tileCounts[2]
        var inputRuns: [wc_tile_run] = [], outputRuns: [wc_tile_run] = []
        var t = first
        while t < end {
            let image = t / perImage, rest = t % perImage
            let column = rest % columns, line = rest / columns, count = Swift.min(columns - column, end - t)
            let tile = (line / tileCounts[1], line % tileCounts[1])
            inputRuns.append(wc_tile_run(offset: image * inChannels * inputPlane, tile: tile, firstTile: column, count: count))
            outputRuns.append(wc_tile_run(offset: image * outChannels * outputPlane, tile: tile, firstTile: column, count: count))
            t += count
        }
        return Block(inputRuns: inputRuns, outputRuns: outputRuns, tiles: end - first)
    }
}
