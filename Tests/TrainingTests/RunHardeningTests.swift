import Datasets
import Foundation
import Models
import NeuralNetwork
import Testing
import Training
import WeightedConvolution

/// Bad options, resumptions and models: each is a clear error, never a hang, a crash or a
/// silently wrong number.
@Suite struct RunHardeningTests {
    func folder() -> String {
        let path = NSTemporaryDirectory() + "wconv-hard-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func task(poison: Bool = false) -> ClassificationTask {
        var pixels: [Float] = (0..<(16 * 64)).map { (i: Int) -> Float in
            let stripe: Float = i / 64 % 2 == 0 ? 0 : 0.3
            return Float((i * 7) % 5) * 0.2 + stripe
        }
        if poison { pixels[3] = .nan }
        let images = LabelledImages(shape: [16, 1, 8, 8], pixels: pixels, labels: (0..<16).map { $0 % 2 })
        let data = ClassificationDataset(images: images, classes: 2, mean: [0.5], standardDeviation: [0.3])
        return ClassificationTask(training: data, evaluation: data, batchSize: 8, seed: 3, augment: false)
    }

    func model(_ kind: ConvolutionKind = .weighted(den: [0.6], trainable: false)) -> VGG {
        VGG([.conv(4), .pool], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3, factory: ConvolutionFactory(kind: kind, seed: 7))
    }

    func settings(epochs: Int, seed: UInt64 = 1) -> TrainingSettings {
        var s = TrainingSettings()
        s.epochs = epochs
        s.seed = seed
        return s
    }

    @Test(arguments: [-1, 0, 100_001])
    func epochsOutOfRangeAreErrors(epochs: Int) {
        #expect(throws: TrainingError.self) { try settings(epochs: epochs).validate() }
        #expect(throws: TrainingError.self) { _ = try Trainer(settings: settings(epochs: epochs), directory: nil, label: "x").run(model: model(), task: task()) }
    }

    @Test func experimentSizesOutOfRangeAreErrors() throws {
        let edits: [(String, (inout Experiment) -> Void)] = [
            ("--batch-size", { $0.batchSize = 0 }), ("--batch-size", { $0.batchSize = -1 }), ("--depth", { $0.depth = 1 }),
            ("--depth", { $0.depth = 0 }), ("--patch-size", { $0.patchSize = -3 }), ("--naf-width", { $0.nafWidth = 0 }),
            ("--width", { $0.width = 0 }), ("--train-subset", { $0.trainingSubset = -5 }), ("--sigma", { $0.sigma = .nan }),
            ("--eval-patches", { $0.task = .denoising; $0.evaluationPatches = Int(Int32.max); $0.patchSize = 4096 }),
            ("--kernel-size", { $0.kernelSize = -1 }), ("--den", { $0.den = [.nan] }), ("--label-smoothing", { $0.labelSmoothing = 1 }),
        ]
        for (option, edit) in edits {
            var e = Experiment()
            e.den = [0.5]
            e.kernelSize = 3
            edit(&e)
            #expect { try e.validate() } throws: { "\($0)".contains(option) }
        }
    }

    @Test func seedListsAreParsedStrictly() throws {
        #expect(try TrainingSettings.seeds(from: "1, 2,3") == [1, 2, 3])
        for bad in ["", "a,b", "1,,2", "-1", "1;2"] {
            #expect(throws: TrainingError.self, "\(bad)") { _ = try TrainingSettings.seeds(from: bad) }
        }
    }

    @Test func resumingPastTheEpochsOrAnotherRunIsRefused() throws {
        let directory = folder()
        let identity = Experiment().identity(kind: .weighted(den: [0.6], trainable: false))
        func run(_ s: TrainingSettings, identity: String = identity, force: Bool = false) throws -> RunResult {
            try Trainer(settings: s, directory: directory, label: "r", identity: identity).run(model: model(), task: task(), resume: true, force: force)
        }
        let finished = try run(settings(epochs: 2))
        #expect(try run(settings(epochs: 2)).history.map(\.evaluationMetric) == finished.history.map(\.evaluationMetric),
                "a finished run resumes to its result without training")
        #expect { try run(settings(epochs: 1)) } throws: { "\($0)".contains("beyond --epochs 1") }
        #expect { try run(settings(epochs: 3, seed: 9)) } throws: { "\($0)".contains("other settings") }
        #expect { try run(settings(epochs: 3), identity: "standard {}") } throws: { "\($0)".contains("another run") }
        #expect(try run(settings(epochs: 3, seed: 9), force: true).history.count == 3)
        // A checkpoint whose epoch disagrees with its history is corrupt.
        var file = try SafeTensors.read(directory + "/checkpoint.safetensors")
        file.metadata["epoch"] = "385"
        try file.write(to: directory + "/checkpoint.safetensors")
        #expect { try run(settings(epochs: 400), force: true) } throws: { "\($0)".contains("corrupt") }
    }

    @Test func aDivergedRunWritesAResultThatSaysSo() throws {
        let directory = folder()
        let result = try Trainer(settings: settings(epochs: 2), directory: directory, label: "d").run(model: model(), task: task(poison: true))
        #expect(result.diverged && result.history.count == 1)
        let text = try String(contentsOfFile: directory + "/result.json", encoding: .utf8)
        #expect(text.contains("\"diverged\" : true") && text.contains("\"nan\""))
        let decoded = try JSONFiles.decoder().decode(RunResult.self, from: Data(text.utf8))
        #expect(decoded.diverged && decoded.finalMetric.isNaN)
    }

    @Test func aNonFiniteEvaluationOrAnExplodingLossIsDivergence() throws {
        // Finite training data, an evaluation set holding a NaN: the training loss stays finite.
        let clean = task(), poisoned = task(poison: true)
        let mixed = ClassificationTask(training: clean.training, evaluation: poisoned.evaluation, batchSize: 8, seed: 3, augment: false)
        let evaluated = try Trainer(settings: settings(epochs: 3), directory: nil, label: "e").run(model: model(), task: mixed)
        #expect(evaluated.diverged && evaluated.history.count == 1)
        // A learning rate far too large: the loss grows by many orders of magnitude, still finite.
        var s = settings(epochs: 3)
        s.learningRate = 1e6
        let exploded = try Trainer(settings: s, directory: nil, label: "x").run(model: model(), task: clean)
        #expect(exploded.diverged && exploded.history.count == 1)
    }

    @Test func nanOrOutOfRangeNeverCountsAsCorrect() {
        let logits = Tensor(shape: [3, 2], scalars: [.nan, 1, 0, 1, 2, 1])
        #expect(Metric.correct(logits, labels: [0, 1, 0]) == 2, "the NaN row is wrong, the others right")
        #expect(Metric.correct(logits, labels: [1, 5, -1]) == 0, "labels outside 0..<2 are never correct")
        #expect(throws: DataError.self) {
            try LabelledImages(shape: [2, 1, 1, 1], pixels: [0, 1], labels: [1, 10]).checkLabels(classes: 10, source: "t")
        }
    }

    @Test func weightsThatDoNotFitAreRefused() throws {
        let weighted = Checkpoint.weights(of: model())
        #expect { try Checkpoint.load(weighted, into: model(.standard), path: "w") } throws: { "\($0)".contains("--conv weighted") }
        var poisoned = weighted
        let name = poisoned.tensors.keys.sorted().first { $0.hasSuffix("weight") }!
        poisoned.tensors[name]!.values[0] = .nan
        #expect { try Checkpoint.load(poisoned, into: model(), path: "w") } throws: { "\($0)".contains("NaN") }
    }

    @Test func trainedWeightsCarryTheirNormalisation() throws {
        let directory = folder()
        _ = try Trainer(settings: settings(epochs: 1), directory: directory, label: "n").run(model: model(), task: task())
        let file = try SafeTensors.read(directory + "/model.safetensors")
        #expect(file.metadata["mean"] == "[0.5]" && file.metadata["std"] == "[0.3]" && file.metadata["classes"] == "2"
                && file.metadata["imageShape"] == "[1, 8, 8]")
    }

    @Test func gaussianDensityWithZeroSigmaIsAnError() {
        #expect(throws: ConvolutionError.self) { _ = try Density.gaussian(sigma: 0).values(kernelSize: [3, 3]) }
    }

    /// CIFAR from the folder the official tarball unpacks into, or from its parent; evaluation
    /// with a stored normalisation reads the test file only.
    @Test func cifarFromTheTarballsParentFolder() throws {
        let parent = folder(), data = parent + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let record = [UInt8(3)] + [UInt8](repeating: 128, count: 3072)
        #expect(FileManager.default.createFile(atPath: data + "/test_batch.bin", contents: Data(record + record)))
        var e = Experiment()
        e.dataset = .cifar10
        e.dataDirectory = parent
        let (evaluationOnly, channels, _, classes) = try e.makeTask(seed: 1, normalisation: ([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]))
        #expect(channels == 3 && classes == 10 && evaluationOnly.evaluationBatches().map(\.count).reduce(0, +) == 2)
        #expect { _ = try e.makeTask(seed: 1) } throws: { "\($0)".contains("data_batch_1.bin") }
        for i in 1...5 { #expect(FileManager.default.createFile(atPath: data + "/data_batch_\(i).bin", contents: Data(record))) }
        #expect(try e.makeTask(seed: 1).classes == 10)
    }
}
