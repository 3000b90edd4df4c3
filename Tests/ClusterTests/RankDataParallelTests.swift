import Cluster
import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import Testing
import Training

extension MPITests {
    /// Data-parallel training of a series classifier (1-D) and a volume denoiser (3-D) on the ranks
    /// of `mpirun -np K` takes the steps one process takes with the same global batch, as for
    /// images: both models have batch norm (synchronised over the ranks) and trainable densities,
    /// and the batches of 5 split into shares of unequal size when K = 2.
    @Suite struct RankDataParallelTests {
        /// 30 series of 24 samples, a sine of one of two frequencies by class, with a little
        /// deterministic jitter.
        static func seriesTask() -> ClassificationTask {
            let values = (0..<(30 * 24)).map { i -> Float in
                let (series, t) = (i / 24, Float(i % 24))
                return 0.5 + 0.4 * sin(t * (series % 2 == 0 ? 0.5 : 1.3)) + Float((i * 7) % 5) * 0.02
            }
            let data = ClassificationDataset(images: LabelledImages(shape: [30, 1, 24], pixels: values, labels: (0..<30).map { $0 % 2 }),
                                             classes: 2, mean: [0.5], standardDeviation: [0.3])
            return ClassificationTask(training: data, evaluation: data, batchSize: 5, seed: 3, augment: false)
        }

        /// Noisy 4³ patches of a smooth 9×8×7 volume: 15 training patches per epoch in batches of
        /// 5, 5 fixed validation patches.
        struct VolumeTask: TrainingTask {
            let training: VolumePatches
            let evaluation: [Batch]

            init() throws {
                let values = (0..<(9 * 8 * 7)).map { (i: Int) -> Float in
                    let (x, y, z) = (Float(i / 56), Float((i / 7) % 8), Float(i % 7))
                    let wave: Float = sin(x * 0.7) * cos(y * 0.5)
                    return 0.5 + 0.3 * wave + 0.03 * z
                }
                let volume = try Grid<3>(dims: [9, 8, 7], scalars: values)
                training = try VolumePatches(volumes: [volume], patchSize: 4, sigma: 25)
                evaluation = training.validationBatches(size: 5, count: 5, seed: 11)
            }

            var metricName: String { "PSNR (dB)" }
            var baseline: (name: String, value: Double)? { nil }
            func trainingBatchCount(epoch: Int) -> Int { 3 }
            func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch {
                let data = training
                return { data.trainingBatch($0, size: 5, count: 15, seed: 5, epoch: epoch) }
            }
            func evaluationBatches() -> [Batch] { evaluation }
            func loss(_ output: Variable, _ batch: Batch) throws -> Variable {
                try Loss.meanSquaredError(output, target: Tensor(shape: batch.shape, scalars: batch.target))
            }
            func metricSum(_ output: Tensor, _ batch: Batch) -> Double { DenoisingTask.clippedPSNRSum(output.scalars, batch) }
        }

        static func factory() -> ConvolutionFactory { ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 7) }
        static let cases: [(name: String, make: @Sendable () -> any Module, task: @Sendable () throws -> any TrainingTask)] = [
            ("series FCN (1-D)", { SeriesFCN(inputChannels: 1, classes: 2, widths: [4, 4, 4], kernelSizes: [3, 3, 3], factory: factory()) },
             { seriesTask() }),
            ("DnCNN (3-D)", { DnCNN(channels: 1, depth: 3, width: 4, kernelSize: 3, spatialRank: 3, factory: factory()) },
             { try VolumeTask() }),
        ]

        /// SGD, as for the image models with batch norm (see `DataParallelTests`).
        @Test(arguments: [0, 1])
        func ranksTakeTheStepsOfOneProcess(index: Int) throws {
            let world = try MPICommunicator.world()
            var settings = TrainingSettings()
            settings.epochs = 2
            settings.optimizer = "sgd"
            settings.learningRate = 3e-2
            let (name, make, task) = Self.cases[index]
            let single = make(), replicated = make()
            let alone = try Trainer(settings: settings, directory: nil, label: "alone").run(model: single, task: try task())
            let together = try Trainer(settings: settings, directory: nil, label: "together", communicator: world)
                .run(model: replicated, task: try task())
            for ((parameter, a), (_, b)) in zip(single.namedTensors(), replicated.namedTensors()) {
                let scale = a.scalars.map(abs).max() ?? 0
                let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-4 * max(1, scale), "\(name): \(parameter) differs by \(difference) on rank \(world.rank)")
            }
            let initial = make().namedTensors().first!.1.scalars
            #expect(single.namedTensors().first!.1.scalars != initial, "\(name): training moved the weights")
            #expect(abs(alone.history.last!.trainingLoss - together.history.last!.trainingLoss) < 1e-5)
            #expect(abs(alone.history.last!.evaluationMetric - together.history.last!.evaluationMetric) < 1e-6)
        }
    }
}
