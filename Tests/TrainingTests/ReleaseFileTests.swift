import Datasets
import Foundation
import Models
import NeuralNetwork
import TestSupport
import Testing
import Training

/// A run folder written by an earlier release (before the experiment's names became enums)
/// still loads: its configuration decodes to the same values, re-encodes to the identity its
/// checkpoint recorded (so `--resume` accepts it), and its weights and checkpoint fit the model
/// the experiment builds.
@Suite struct ReleaseFileTests {
    private struct Configuration: Decodable {
        let experiment: Experiment, settings: TrainingSettings, convolution: String
    }

    @Test func aRunFolderOfAnEarlierReleaseLoads() throws {
        let folder = Fixtures.path("release-run")
        let configuration = try JSONFiles.decoder().decode(Configuration.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/config.json")))
        let e = configuration.experiment
        #expect(e.task == .denoising && e.model == .dncnn && e.dataset == .folder && e.loss == .mse && e.zeroLastLayer)
        #expect(e.den == [0.5] && e.kernelSize == 3 && e.depth == 2 && e.width == 2 && e.problem == nil && e.dataFile == nil)
        #expect(configuration.settings.optimizer == .adamw && configuration.settings.epochs == 1)

        let kind = ConvolutionKind.weighted(den: e.den, trainable: e.trainableDensity)
        let checkpoint = try SafeTensors.read(folder + "/checkpoint.safetensors")
        #expect(e.identity(kind: kind) == checkpoint.metadata["identity"])

        let model = try e.makeModel(kind: kind, seed: 1, channels: 1, size: e.patchSize, classes: 0)
        try Checkpoint.load(try SafeTensors.read(folder + "/model.safetensors"), into: model, path: "model.safetensors")
        let saved = try Checkpoint.restore(from: folder + "/checkpoint.safetensors", model: model,
                                           optimizer: configuration.settings.makeOptimizer(model.namedParameters()))
        #expect(saved.epoch == 1 && saved.settings == configuration.settings)
    }

    @Test func optimiserNamesOfAnyCaseDecode() throws {
        let decoded = try JSONFiles.decoder().decode([OptimizerKind].self, from: Data(#"["SGD", "AdamW", "adam"]"#.utf8))
        #expect(decoded == [.sgd, .adamw, .adam])
        #expect(throws: DecodingError.self) { try JSONFiles.decoder().decode([OptimizerKind].self, from: Data(#"["rmsprop"]"#.utf8)) }
    }

    @Test func everyTaskHasDefaultsThatValidateAndAModelThatBuilds() throws {
        for task in TaskKind.allCases {
            let e = Experiment(task: task)
            try e.validate()
            let model = try e.makeModel(kind: .weighted(den: e.den, trainable: false), seed: 1, channels: 1, size: 32, classes: 3)
            #expect(model.namedParameters().count > 0)
            #expect(TrainingSettings(task: task).epochs == TaskDefaults.of(task).epochs)
        }
        var wrong = Experiment(task: .series)
        wrong.model = .dncnn
        #expect { try wrong.validate() } throws: { "\($0)".contains("series: series-small, fcn, series-resnet") }
    }
}
