import Cluster
import Communication
import Datasets
import Foundation
import Models
import NeuralNetwork
import Testing
import Training

extension MPITests {
    /// Data-parallel training on the ranks of `mpirun -np K` takes the steps one process takes with
    /// the same global batch: same weights afterwards to float-summation tolerance, with and without
    /// batch norm (synchronised over the ranks), with trainable densities, with shares of unequal
    /// size.
    @Suite struct DataParallelTests {
        /// 45 images of 8×8 (stripes left or right by class), batch 9: the ranks' shares differ in size when K = 2.
        func task() -> ClassificationTask {
            let pixels = (0..<(45 * 64)).map { i -> Float in
                let (image, column) = (i / 64, i % 8)
                return ((image % 2 == 1) == (column < 4) ? 0.8 : 0.2) + Float((i * 7) % 5) * 0.02
            }
            let images = LabelledImages(shape: [45, 1, 8, 8], pixels: pixels, labels: (0..<45).map { $0 % 2 })
            let data = ClassificationDataset(images: images, classes: 2, mean: [0.5], standardDeviation: [0.3])
            return ClassificationTask(training: data, evaluation: data, batchSize: 9, seed: 3, augment: true)
        }

        static let models: [(name: String, make: @Sendable () -> any Module)] = [
            ("VGG with batch norm", {
                VGG([.conv(4), .pool, .conv(4), .pool], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3,
                    factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 7))
            }),
            ("convolutions without batch norm", {
                let factory = ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 7)
                return Sequential([factory.make(1, 4, size: 3), Function.relu, Pooling(.max, window: [2, 2]),
                                   factory.make(4, 4, size: 3), Function.relu, Pooling(.average, window: [4, 4]),
                                   Function.flatten, Linear(inFeatures: 4, outFeatures: 2, seed: 9)])
            }),
        ]

        /// SGD on both models, AdamW on the one without batch norm: a convolution bias before a batch
        /// norm has a zero gradient up to rounding, which Adam's normalisation turns into full-size
        /// steps of noise, different in any two summation orders (one process with two threads
        /// against one too).
        @Test(arguments: [(0, OptimizerKind.sgd), (1, .sgd), (1, .adamw)])
        func ranksTakeTheStepsOfOneProcess(model index: Int, optimizer: OptimizerKind) throws {
            let world = try MPICommunicator.world()
            var settings = TrainingSettings()
            settings.epochs = 2
            settings.optimizer = optimizer
            settings.learningRate = 3e-2
            let (name, make) = Self.models[index]
            let single = make(), replicated = make()
            let alone = try Trainer(settings: settings, directory: nil, label: "alone").run(model: single, task: task())
            let together = try Trainer(settings: settings, directory: nil, label: "together", communicator: world)
                .run(model: replicated, task: task())
            for ((parameter, a), (_, b)) in zip(single.namedTensors(), replicated.namedTensors()) {
                let scale = a.scalars.map(abs).max() ?? 0
                let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-4 * max(1, scale), "\(name), \(optimizer): \(parameter) differs by \(difference) on rank \(world.rank)")
            }
            #expect(abs(alone.history.last!.trainingLoss - together.history.last!.trainingLoss) < 1e-5)
            #expect(abs(alone.history.last!.evaluationMetric - together.history.last!.evaluationMetric) < 1e-9)
        }

        /// Batch-norm statistics recomputed before each evaluation on K ranks (each passing its
        /// share of every global batch through the synchronised batch norms) are those one process
        /// computes from the whole batches, so the scores agree.
        @Test func preciseBatchNormStatisticsAreThoseOfOneProcess() throws {
            let world = try MPICommunicator.world()
            var settings = TrainingSettings()
            settings.epochs = 2
            settings.optimizer = .sgd
            settings.learningRate = 3e-2
            settings.preciseBatchNorm = 3
            let single = Self.models[0].make(), replicated = Self.models[0].make()
            let alone = try Trainer(settings: settings, directory: nil, label: "alone").run(model: single, task: task())
            let together = try Trainer(settings: settings, directory: nil, label: "together", communicator: world)
                .run(model: replicated, task: task())
            for ((name, a), (_, b)) in zip(single.namedBuffers(), replicated.namedBuffers()) {
                let difference = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-4 * max(1, a.values.map(abs).max() ?? 0), "\(name) differs by \(difference) on rank \(world.rank)")
            }
            #expect(zip(alone.history, together.history).allSatisfy { abs($0.evaluationMetric - $1.evaluationMetric) < 1e-9 })
            #expect(together.history.allSatisfy { $0.preciseBatchNormSeconds != nil })
        }

        /// The gradient sums started bucket by bucket during the backward pass (buckets of a few
        /// values, so there are dozens) and the one sum after it both give every rank the
        /// gradient one process computes on the whole batch, and the statistics summed.
        @Test(arguments: [(true, 7), (true, 1 << 22), (false, 1 << 22)])
        func overlappedBucketsGiveTheWholeBatchsGradient(overlaps: Bool, bucketValues: Int) throws {
            let world = try MPICommunicator.world()
            let batch = task().trainingBatches(epoch: 0)(0), share = batch.share(world.rank, of: world.size)
            let single = Self.models[0].make(), replicated = Self.models[0].make()
            let alone = try Loss.crossEntropy(try single(Variable(Tensor(shape: batch.shape, scalars: batch.input))), labels: batch.labels)
            alone.backward()
            var replicas = DataParallel(communicator: world)
            replicas.overlapsBackward = overlaps
            replicas.bucketValues = bucketValues
            try replicas.prepare(replicated)
            defer { replicas.finish(replicated) }
            let loss = try Loss.crossEntropy(try replicated(Variable(Tensor(shape: share.shape, scalars: share.input))), labels: share.labels)
            let step = try replicas.backward(loss, share: share.count, global: batch.count, parameters: replicated.parameters,
                                             statistics: [Double(share.count), 1])
            #expect(step.statistics == [Double(batch.count), Double(world.size)])
            for ((name, a), b) in zip(single.namedParameters(), replicated.parameters) {
                let scale = a.grad!.map(abs).max() ?? 0
                let difference = zip(a.grad!, b.grad!).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-4 * max(1e-3, scale), "\(name): gradient differs by \(difference) (scale \(scale)) on rank \(world.rank)")
            }
            try world.barrier()
        }

        /// A folder with the same path on every rank (made by rank 0).
        func sharedFolder(_ world: MPICommunicator) throws -> String {
            var tag = [Float(UInt32.random(in: 0..<(1 << 24)))]
            try world.broadcast(&tag, root: 0)
            let path = NSTemporaryDirectory() + "wconv-ranks-\(Int(tag[0]))"
            if world.isRoot { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
            try world.barrier()
            return path
        }

        /// A checkpoint written on K ranks resumes on one process and the other way round, and both
        /// end where the same interrupted run ends on one process. (The first epoch runs with another
        /// learning rate, so a resumption that started afresh would end elsewhere; resuming with
        /// other settings needs `force`.)
        @Test func resumesOnAnotherRankCount() throws {
            let world = try MPICommunicator.world()
            var settings = TrainingSettings()
            settings.optimizer = .sgd
            settings.learningRate = 3e-2
            settings.epochs = 2
            var first = settings
            first.epochs = 1
            first.learningRate = 0.1
            let make = Self.models[0].make
            let straight = make(), alone = NSTemporaryDirectory() + "wconv-alone-\(UUID().uuidString)"
            _ = try Trainer(settings: first, directory: alone, label: "first alone").run(model: make(), task: task())
            _ = try Trainer(settings: settings, directory: alone, label: "then alone").run(model: straight, task: task(), resume: true, force: true)
            for (firstRanks, thenRanks) in [(world as any Communicator, SingleProcess() as any Communicator), (SingleProcess(), world)] {
                let folder = try sharedFolder(world)
                if firstRanks.size > 1 || world.isRoot {
                    _ = try Trainer(settings: first, directory: folder, label: "first", communicator: firstRanks).run(model: make(), task: task())
                }
                try world.barrier()
                var directory = folder
                if thenRanks.size == 1 && !world.isRoot {   // alone on this rank too: its own copy of the checkpoint
                    directory = NSTemporaryDirectory() + "wconv-rank\(world.rank)-\(UUID().uuidString)"
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(atPath: folder + "/checkpoint.safetensors", toPath: directory + "/checkpoint.safetensors")
                }
                let resumed = make()
                _ = try Trainer(settings: settings, directory: directory, label: "then", communicator: thenRanks)
                    .run(model: resumed, task: task(), resume: true, force: true)
                try world.barrier()
                for ((name, a), (_, b)) in zip(straight.namedTensors(), resumed.namedTensors()) {
                    let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                    #expect(difference <= 1e-4 * max(1, a.scalars.map(abs).max() ?? 0),
                            "\(name) differs by \(difference) after resuming on \(thenRanks.size) rank(s)")
                }
            }
        }
    }
}
