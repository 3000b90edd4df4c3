import Testing
import Datasets

/// Batching, shuffling, augmentation and noise are reproducible from their seeds.
@Suite struct PipelineTests {
    let images = LabelledImages(shape: [10, 1, 4, 4], pixels: (0..<160).map { Float($0) / 160 }, labels: Array(0..<10))

    @Test func epochsAreShuffledReproduciblyAndCoverEveryImage() {
        let data = ClassificationDataset(images: images, classes: 10, mean: [0.5], standardDeviation: [0.25])
        let a = data.batches(size: 4, seed: 1, epoch: 0), b = data.batches(size: 4, seed: 1, epoch: 0)
        #expect(a.map(\.labels) == b.map(\.labels) && a.map(\.input) == b.map(\.input))
        #expect(a.map(\.count) == [4, 4, 2])
        #expect(a.flatMap(\.labels).sorted() == Array(0..<10))
        #expect(data.batches(size: 4, seed: 1, epoch: 1).flatMap(\.labels) != a.flatMap(\.labels))
        let ordered = data.batches(size: 10, seed: 1, epoch: 0, shuffle: false)[0]
        #expect(ordered.input[0] == (0 - 0.5) / 0.25)
    }

    @Test func augmentationIsSeededAndKeepsShapes() {
        let data = ClassificationDataset(images: images, classes: 10, mean: [0], standardDeviation: [1])
        let a = data.batches(size: 5, seed: 3, epoch: 2, augment: true, cropPadding: 1)
        let b = data.batches(size: 5, seed: 3, epoch: 2, augment: true, cropPadding: 1)
        #expect(a.map(\.input) == b.map(\.input))
        #expect(a[0].shape == [5, 1, 4, 4])
        #expect(a.map(\.input) != data.batches(size: 5, seed: 3, epoch: 2).map(\.input))
    }

    /// A rank's share built alone is the share of the whole batch: same images, labels and
    /// augmentation, for every part of 1–4 parts of full and short batches.
    @Test func sharesBuiltAloneAreSharesOfTheWholeBatch() {
        let data = ClassificationDataset(images: images, classes: 10, mean: [0], standardDeviation: [1])
        let order = data.order(seed: 3, epoch: 1, shuffle: true)
        for index in 0..<3 {
            let whole = data.batch(index, order: order, size: 4, seed: 3, epoch: 1, augment: true, cropPadding: 1)
            for parts in 1...4 {
                let shares = (0..<parts).map {
                    data.batchShare(index, part: $0, of: parts, order: order, size: 4, seed: 3, epoch: 1, augment: true, cropPadding: 1)
                }
                #expect(shares.allSatisfy { $0.globalCount == whole.count })
                #expect(shares.map(\.share.input) == (0..<parts).map { whole.share($0, of: parts).input }, "batch \(index), \(parts) parts")
                #expect(shares.flatMap(\.share.labels) == whole.labels)
            }
        }
    }

    @Test func statisticsArePerChannel() {
        let stats = ClassificationDataset.statistics(of: LabelledImages(shape: [2, 2, 1, 1], pixels: [0, 1, 1, 1], labels: [0, 1]))
        #expect(stats.mean == [0.5, 1] && stats.standardDeviation[0] == 0.5)
    }

    @Test func denoisingPatchesHaveSeededNoiseOfTheRightLevel() throws {
        let clean = Image(channels: 1, height: 40, width: 40, pixels: (0..<1600).map { Float($0 % 40) / 40 })
        let data = try DenoisingDataset(images: [clean], patchSize: 16, sigma: 25)
        let batches = data.trainingBatches(size: 8, count: 20, seed: 5, epoch: 0)
        #expect(batches.map(\.count) == [8, 8, 4])
        #expect(batches.map(\.input) == data.trainingBatches(size: 8, count: 20, seed: 5, epoch: 0).map(\.input))
        let noise = batches.flatMap { zip($0.input, $0.target).map { $0 - $1 } }
        let std = (noise.reduce(0) { $0 + $1 * $1 } / Float(noise.count)).squareRoot()
        #expect(abs(std - 25 / 255) < 0.005, "5120 samples: the standard error of σ is ≈ 1%")
        let validation = data.validationBatches(size: 8, count: 8, seed: 5)
        #expect(validation[0].input == data.validationBatches(size: 8, count: 8, seed: 5)[0].input)
        #expect(throws: DataError.self) { try DenoisingDataset(images: [clean], patchSize: 64, sigma: 25) }
    }

    @Test func downscalingAveragesBlocks() {
        let image = Image(channels: 1, height: 2, width: 4, pixels: [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(image.downscaled(by: 2).pixels == [2.5, 4.5])
        let rgb = Image(channels: 3, height: 1, width: 1, pixels: [1, 1, 1])
        #expect(abs(rgb.colour(grey: true).pixels[0] - 1) < 1e-6)
    }
}
