import Datasets
import Foundation
import Models
import NeuralNetwork
import Testing
import Training

/// Training runs on tiny in-memory data: resumption is bit for bit, checkpoints round-trip,
/// comparisons flag runs that do not beat the trivial baseline.
@Suite struct TrainerTests {
    func folder() -> String {
        let path = NSTemporaryDirectory() + "wconv-train-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func task() -> ClassificationTask {
        let pixels = (0..<(24 * 64)).map { i -> Float in
            let (image, column) = (i / 64, i % 8)
            return ((image % 2 == 1) == (column < 4) ? 0.8 : 0.2) + Float((i * 7) % 5) * 0.02
        }
        let images = LabelledImages(shape: [24, 1, 8, 8], pixels: pixels, labels: (0..<24).map { $0 % 2 })
        let data = ClassificationDataset(images: images, classes: 2, mean: [0.5], standardDeviation: [0.3])
        return ClassificationTask(training: data, evaluation: data, batchSize: 8, seed: 3, augment: true)
    }

    func model() -> VGG {
        VGG([.conv(4), .pool, .conv(4), .pool], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3,
            factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 7))
    }

    func settings(epochs: Int) -> TrainingSettings {
        var s = TrainingSettings()
        s.epochs = epochs
        s.learningRate = 3e-3
        return s
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let straight = model(), directory = folder()
        let full = try Trainer(settings: settings(epochs: 3), directory: directory, label: "straight").run(model: straight, task: task())
        let interrupted = model(), resumedDirectory = folder()
        _ = try Trainer(settings: settings(epochs: 3), directory: resumedDirectory, label: "first")
            .run(model: interrupted, task: task())
        // Roll the checkpoint back to epoch 1 by training a fresh model for one epoch only.
        let partial = model()
        _ = try Trainer(settings: settings(epochs: 1), directory: resumedDirectory, label: "partial").run(model: partial, task: task())
        let resumed = model()
        let result = try Trainer(settings: settings(epochs: 3), directory: resumedDirectory, label: "resumed")
            .run(model: resumed, task: task(), resume: true)
        #expect(result.history.map(\.evaluationMetric) == full.history.map(\.evaluationMetric))
        for ((name, a), (_, b)) in zip(straight.namedParameters(), resumed.namedParameters()) {
            #expect(a.value == b.value, "\(name) differs after resuming")
        }
        for ((name, a), (_, b)) in zip(straight.namedBuffers(), resumed.namedBuffers()) {
            #expect(a.values == b.values, "\(name) differs after resuming")
        }
        for file in ["history.csv", "checkpoint.safetensors", "model.safetensors", "result.json"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file)")
        }
    }

    @Test func trainingLearnsAndMovesTheDensity() throws {
        let m = model()
        let result = try Trainer(settings: settings(epochs: 4), directory: nil, label: "t").run(model: m, task: task())
        #expect(result.history.count == 4 && !result.diverged)
        #expect(result.history.last!.trainingLoss < result.history.first!.trainingLoss)
        #expect(result.history.last!.densities["features.0.density"] != [0.6])
    }

    @Test func checkpointOfAnotherModelIsRejected() throws {
        let directory = folder()
        _ = try Trainer(settings: settings(epochs: 1), directory: directory, label: "a").run(model: model(), task: task())
        let other = VGG([.conv(5), .pool], inputChannels: 1, inputSize: 8, classes: 2, factory: ConvolutionFactory(kind: .standard, seed: 1))
        #expect(throws: TrainingError.self) {
            try Checkpoint.load(try SafeTensors.read(directory + "/model.safetensors"), into: other, path: "model.safetensors")
        }
    }

    @Test func comparisonTableFlagsRunsNoBetterThanTheBaseline() {
        func run(_ label: String, _ metrics: [Double], density: [Float] = []) -> RunResult {
            RunResult(label: label, history: metrics.enumerated().map { e, m in
                EpochRecord(epoch: e + 1, trainingLoss: 1, trainingMetric: m, evaluationLoss: 1, evaluationMetric: m,
                            learningRate: 1e-3, seconds: 2, imagesPerSecond: 100,
                            densities: density.isEmpty ? [:] : ["features.0.density": density.map { $0 + Float(e) }])
            }, diverged: false, peakMemoryMiB: 1, parameterCount: 10)
        }
        let experiment = Experiment(task: .denoising)
        let outcome = Comparison.Outcome(
            experiment: experiment, settings: TrainingSettings(), metricName: "PSNR (dB)", baselineName: "noisy input",
            baselineValue: 20.17, arms: [
                .init(name: "standard", trainable: false, runs: [run("standard s1", [18, 19.5]), run("standard s2", [18, 20.5])]),
                .init(name: "weighted", trainable: false, runs: [run("weighted s1", [19, 21]), run("weighted s2", [19, 22])]),
                .init(name: "trainable", trainable: true, runs: [run("trainable s1", [19, 21], density: [0.5, 0.7]),
                                                                  run("trainable s2", [19, 22], density: [0.7, 0.9])]),
            ])
        #expect(outcome.warnings == ["standard s1: ends at 19.500, no better than the noisy input (20.170)"])
        let differences = outcome.table.split(separator: "\n").filter { $0.contains(" − standard") && !$0.contains("paired by seed") }
        #expect(outcome.pairedIntervals == ["", "weighted − standard, final PSNR (dB) paired by seed: +1.500 (95 % CI +1.500 … +1.500, 2 seeds): resolved",
                                            "trainable − standard, final PSNR (dB) paired by seed: +1.500 (95 % CI +1.500 … +1.500, 2 seeds): resolved"])
        #expect(differences.count == 2 && differences.allSatisfy { $0.hasSuffix("+1.500 ± 0.000") || $0.contains("+1.500 ± 0.000 ") },
                "paired differences 21 − 19.5 and 22 − 20.5, for each arm against the first")
        #expect(outcome.learnedProfiles == ["", "learned densities of trainable (after the last epoch, mean ± spread over seeds):",
                                            "  features.0.density: [1.600 ± 0.141, 1.800 ± 0.141]"])
        #expect(outcome.table.contains("20.170"))
        #expect(outcome.plot.svg().contains("noisy input"))
        #expect(meanAndSpread([1, 3]).mean == 2 && abs(meanAndSpread([1, 3]).spread - 1.41421356) < 1e-6)
    }
}
