import GridCore
import Models
import NeuralNetwork
import Testing
import TestSupport
import Training

/// Tiled denoising of series and volumes: the tiles give the model's result on the whole
/// (padded) signal, computed here without tiles and with padding written out index by index.
@Suite struct RankDenoiserTests {
    /// A DnCNN of three layers with 3-wide kernels (receptive-field radius 3) and random weights.
    func model(rank: Int) -> DnCNN {
        DnCNN(channels: 1, depth: 3, width: 4, kernelSize: 3, spatialRank: rank, zeroLastLayer: false,
              factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: false), seed: 9))
    }

    /// Random values in `[0, 1]`.
    func values(_ dims: [Int], seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        return random.values(dims.reduce(1, *)).map { ($0 + 1) / 2 }
    }

    /// The reference: the signal padded at the high end of each axis to `padded` (reflection, or
    /// the edge repeated), the model applied once to all of it, the result cropped back and clipped.
    func reference(_ network: DnCNN, _ signal: [Float], dims: [Int], padded: [Int], reflect: Bool) throws -> [Float] {
        func source(_ i: Int, _ n: Int) -> Int { i < n ? i : reflect ? 2 * (n - 1) - i : n - 1 }
        func offset(_ index: [Int], _ shape: [Int]) -> Int { zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 } }
        func indices(_ shape: [Int]) -> [[Int]] {
            shape.reduce([[]]) { partial, extent in partial.flatMap { prefix in (0..<extent).map { prefix + [$0] } } }
        }
        let input = indices(padded).map { index in signal[offset(index.indices.map { source(index[$0], dims[$0]) }, dims)] }
        network.setTraining(false)
        let output = try network(Variable(Tensor(shape: [1, 1] + padded, scalars: input))).value.scalars
        return indices(dims).map { min(max(output[offset($0, padded)], 0), 1) }
    }

    func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Volumes smaller than a tile, larger on some axes, and larger on all, of odd sides; tiles
    /// of 4 with 3 voxels of context (the model's radius) and no padding multiple. The tolerance
    /// allows another summation order when the engine is chosen for another window size.
    @Test(arguments: [[3, 3, 3], [5, 2, 7], [9, 5, 11]])
    func tiledVolumesEqualTheWholeVolume(dims: [Int]) throws {
        let network = model(rank: 3), volume = try Grid<3>(dims: dims, scalars: values(dims, seed: 3))
        let expected = try reference(network, volume.scalars, dims: dims, padded: dims, reflect: true)
        let tiled = try Denoiser(model: network, multiple: 1, tileSize: 4, overlap: 3).denoise(volume)
        #expect(tiled.dims == dims)
        #expect(largestDifference(tiled.scalars, expected) <= 1e-5)
        #expect(expected.contains { $0 > 0.01 && $0 < 0.99 }, "the comparison is not all clipped values")
        if dims.contains(where: { $0 > 4 }) {
            // Without context the tiles' edges differ: the comparison can fail.
            let starved = try Denoiser(model: network, multiple: 1, tileSize: 4, overlap: 0).denoise(volume)
            #expect(largestDifference(starved.scalars, expected) > 1e-4)
        }
    }

    /// Sides padded to a multiple of 2 by reflection, or by repeating the edge when an axis is
    /// too short to reflect (a side of 1), as for images; tiles of 4 with 4 voxels of context.
    @Test(arguments: [([5, 7, 3], true), ([1, 5, 3], false), ([2, 3, 1], false)])
    func volumeEdgesArePaddedAsImagesAre(dims: [Int], reflects: Bool) throws {
        let network = model(rank: 3), volume = try Grid<3>(dims: dims, scalars: values(dims, seed: 4))
        let padded = dims.map { ($0 + 1) / 2 * 2 }
        let expected = try reference(network, volume.scalars, dims: dims, padded: padded, reflect: reflects)
        let tiled = try Denoiser(model: network, multiple: 2, tileSize: 4, overlap: 3).denoise(volume)
        #expect(largestDifference(tiled.scalars, expected) <= 1e-5)
        if reflects {
            let repeated = try reference(network, volume.scalars, dims: dims, padded: padded, reflect: false)
            #expect(largestDifference(repeated, expected) > 1e-4, "the two edge rules differ on this volume")
        }
    }

    /// A series longer than several tiles, and one shorter than a tile.
    @Test(arguments: [23, 3])
    func tiledSeriesEqualTheWholeSeries(length: Int) throws {
        let network = model(rank: 1), series = try Grid<1>(dims: [length], scalars: values([length], seed: 5))
        let expected = try reference(network, series.scalars, dims: [length], padded: [length], reflect: true)
        let tiled = try Denoiser(model: network, multiple: 1, tileSize: 4, overlap: 3).denoise(series)
        #expect(largestDifference(tiled.scalars, expected) <= 1e-5)
    }

    /// An image given to a volume model is an error, not a trap or a wrong result.
    @Test func aModelOfAnotherRankIsAnError() throws {
        let image = try Grid<2>(dims: [6, 5], scalars: values([6, 5], seed: 6))
        #expect(throws: (any Error).self) { try Denoiser(model: model(rank: 3)).denoise(image) }
        #expect(throws: TrainingError.self) { try Denoiser(model: model(rank: 3)).denoise(channels: 1, extents: [2, 2, 2], values: [0]) }
    }
}
