import Datasets
import Foundation
import Models
import NeuralNetwork
import TestSupport
import Training

/// A run folder written as `wconv train` writes one (`config.json`, `model.safetensors`) for a
/// tiny model whose every parameter and buffer holds random values, so that no check passes
/// because a value is 0 or 1 (batch-norm variances are kept positive).
struct TinyRun {
    /// The folder.
    let folder: String
    /// The model whose weights were saved.
    let model: any Module
    /// The run's settings.
    let settings: TrainingSettings

    /// What `wconv train` writes to `config.json`.
    private struct Configuration: Encodable {
        let experiment: Experiment, settings: TrainingSettings, convolution: String, threads: Int, ranks: Int
    }

    /// A run of `model` (`vgg-small`, `vgg11`, `resnet20`, `dncnn`, `nafnet`, …) on grey images
    /// with kernels of `2·den.count + 1`; a classifier's weights store `imageShape` `[1, side,
    /// side]` when `imageSide` is given (else none, as files of older versions, and the side is
    /// Fashion-MNIST's 28).
    init(model name: String, convolution: String = "weighted", den: [Float] = [0.5], trainableDensity: Bool = false,
         imageSide: Int? = nil) throws {
        let classification = !["dncnn", "nafnet"].contains(name)
        var e = Experiment(task: classification ? .classification : .denoising)
        guard let named = ModelKind(rawValue: name) else { throw TrainingError("no model \(name)") }
        e.model = named
        (e.den, e.kernelSize, e.trainableDensity) = (den, 2 * den.count + 1, trainableDensity)
        (e.depth, e.width, e.nafWidth, e.nafBlocks, e.patchSize) = (3, 4, 4, 1, 8)
        var settings = TrainingSettings()
        settings.seed = 3
        let kind: ConvolutionKind = convolution == "standard" ? .standard : .weighted(den: den, trainable: trainableDensity)
        model = try e.makeModel(kind: kind, seed: 3, channels: 1, size: imageSide ?? 28, classes: 10)
        var random = TestRandom(seed: 5)
        for (_, p) in model.namedParameters() { p.assign(random.values(p.value.count)) }
        for (_, b) in model.namedBuffers() { b.values = random.values(b.values.count).map { abs($0) + 0.5 } }
        folder = NSTemporaryDirectory() + "wconv-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var metadata = classification ? ["mean": "[0.25]", "std": "[0.5]", "classes": "10"] : [:]
        if classification, let imageSide { metadata["imageShape"] = "[1, \(imageSide), \(imageSide)]" }
        try Checkpoint.weights(of: model, metadata: metadata).write(to: folder + "/model.safetensors")
        try JSONFiles.write(Configuration(experiment: e, settings: settings, convolution: convolution, threads: 1, ranks: 1),
                            to: folder + "/config.json")
        self.settings = settings
    }

    /// Removes the folder.
    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
