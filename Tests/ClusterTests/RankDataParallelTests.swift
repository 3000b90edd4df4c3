import Cluster
import Communication
import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import Testing
import Training

extension MPITests {
    /// The series (1-D) and volume (3-D) models of ``Experiment`` train data parallel on the ranks of
    /// `mpirun -np K` as one process does: same weights afterwards to float-summation tolerance.
    @Suite struct RankDataParallelTests {
        /// 45 series of 16 values (rising or falling by class), batch 9: the shares differ in size when K = 2.
        static func seriesTask() -> ClassificationTask {
            let values = (0..<(45 * 16)).map { i -> Float in
                let (sample, t) = (i / 16, i % 16)
                return Float(sample % 2 == 0 ? t : 16 - t) / 16 + Float((i * 7) % 5) * 0.02
            }
            let series = LabelledImages(shape: [45, 1, 16], pixels: values, labels: (0..<45).map { $0 % 2 })
            let data = ClassificationDataset(images: series, classes: 2, mean: [0.5], standardDeviation: [0.3])
            return ClassificationTask(training: data, evaluation: data, batchSize: 9, seed: 3, augment: false)
        }

        /// Noisy 4³ cubes of a 10³ checkerboard volume, batches of 3 (shares of 2 and 1 when K = 2).
        static func volumeTask() throws -> DenoisingTask {
            let voxels = (0..<1000).map { (i: Int) -> Float in
                let cell: Int = i / 300 + (i / 10 % 10) / 3 + (i % 10) / 3
                return cell % 2 == 0 ? 0.2 : 0.8
            }
            let volume = try Grid<3>(dims: [10, 10, 10], scalars: voxels)
            let patches = try VolumePatches(volumes: [volume], patchSize: 4, sigma: 25)
            return DenoisingTask(training: patches, validation: patches, batchSize: 3, patchesPerEpoch: 9, evaluationPatches: 3, seed: 5)
        }

        @Test(arguments: [TaskKind.series, .volume])
        func ranksTrainTheModelOfOneProcess(task kind: TaskKind) throws {
            let world = try MPICommunicator.world()
            var e = Experiment(task: kind)
            (e.den, e.kernelSize, e.depth, e.width) = ([0.6], 3, 2, 2)
            let task: any TrainingTask = kind == .series ? Self.seriesTask() : try Self.volumeTask()
            let make = { try e.makeModel(kind: .weighted(den: [0.6], trainable: true), seed: 7, channels: 1, size: 16, classes: 2) }
            var settings = TrainingSettings(task: kind)
            (settings.epochs, settings.optimizer, settings.learningRate) = (2, .sgd, 1e-2)
            let single = try make(), replicated = try make()
            let alone = try Trainer(settings: settings, directory: nil, label: "alone").run(model: single, task: task)
            let together = try Trainer(settings: settings, directory: nil, label: "together", communicator: world).run(model: replicated, task: task)
            for ((parameter, a), (_, b)) in zip(single.namedTensors(), replicated.namedTensors()) {
                let scale = a.scalars.map(abs).max() ?? 0
                let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-4 * max(1, scale), "\(kind): \(parameter) differs by \(difference) on rank \(world.rank)")
            }
            #expect(abs(alone.history.last!.trainingLoss - together.history.last!.trainingLoss) < 1e-5)
        }
    }
}
