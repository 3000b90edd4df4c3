import Foundation
import Models
import NeuralNetwork
import TestSupport
import Testing
import Training

/// `config.json` as `RunConfiguration` writes it, read back by `TrainedRun`: an arm whose
/// density differs by axis keeps its profiles, and the model it loads computes what the saved
/// model computed.
@Suite struct RunConfigurationTests {
    @Test func aPerAxisArmIsReadBackWithItsProfiles() throws {
        var e = Experiment()
        (e.task, e.model, e.dataset, e.den, e.kernelSize) = (.denoising, .dncnn, .photos, [0.5], 3)
        (e.depth, e.width, e.patchSize) = (3, 4, 8)
        let kind = ConvolutionKind.weightedPerAxis(profiles: [[0.25], [0.75]])
        let model = try e.makeModel(kind: kind, seed: 3, channels: 1, size: 8, classes: 0)
        var random = TestRandom(seed: 11)
        for (_, p) in model.namedParameters() { p.assign(random.values(p.value.count)) }
        for (_, b) in model.namedBuffers() { b.values = random.values(b.values.count).map { abs($0) + 0.5 } }
        model.setTraining(false)
        let folder = NSTemporaryDirectory() + "wconv-per-axis-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = TrainingSettings()
        settings.seed = 3
        try RunConfiguration(experiment: e, settings: settings, kind: kind, threads: 1, ranks: 1, classes: nil).write(into: folder)
        try Checkpoint.weights(of: model).write(to: folder + "/model.safetensors")

        let run = try TrainedRun(folder: folder)
        #expect(run.configuration.convolution == .weighted && run.configuration.kind == kind)
        #expect(run.summary.hasSuffix("weighted convolution with per-axis densities 0.25; 0.75"), "\(run.summary)")
        let trained = try run.loadModel()
        let input = random.values(2 * 64)
        let expected = try model(Variable(Tensor(shape: [2, 1, 8, 8], scalars: input))).value.scalars
        #expect(try trained.outputs(input: input, shape: [2, 1, 8, 8]).scalars == expected)
    }

    @Test func relativeDataFoldersAreStoredAbsolute() throws {
        var e = Experiment()
        (e.dataDirectory, e.validationDirectory) = ("some/../data", "/already/absolute")
        let configuration = RunConfiguration(experiment: e, settings: TrainingSettings(), kind: .standard, threads: 1, ranks: 1, classes: 10)
        #expect(configuration.experiment.dataDirectory == FileManager.default.currentDirectoryPath + "/data")
        #expect(configuration.experiment.validationDirectory == "/already/absolute")
        #expect(configuration.convolution == .standard && configuration.densityProfiles == nil)
    }
}
