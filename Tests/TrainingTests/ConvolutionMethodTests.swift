import Datasets
import Foundation
import Models
import NeuralNetwork
import Testing
import Training
import WeightedConvolution

/// `--method` of `wconv train` and `compare`: the algorithm reaches every convolution of the
/// model, is recorded in the run's files, leaves older identities and files valid, and a
/// Winograd-trained model ends where the direct one does.
@Suite struct ConvolutionMethodTests {
    /// The convolution layers of `module` and of its descendants.
    func convolutions(_ module: any Module) -> [Convolution] {
        module.namedModules().compactMap { $0.module as? Convolution }
    }

    @Test func theMethodReachesEveryConvolutionOfTheModel() throws {
        var e = Experiment()
        e.kernelSize = 3
        e.den = [0.6]
        for method: ConvolutionMethod? in [nil, .direct, .winograd, .fft] {
            e.convolutionMethod = method
            let model = try e.makeModel(kind: .weighted(den: [0.6], trainable: false), seed: 1, channels: 1, size: 28, classes: 10)
            let layers = convolutions(model)
            #expect(!layers.isEmpty)
            #expect(layers.allSatisfy { $0.options.method == method ?? .auto }, "\(String(describing: method))")
        }
    }

    @Test func automaticLeavesIdentitiesAndOlderFilesAsTheyWere() throws {
        var e = Experiment()
        #expect(!e.identity(kind: .standard).contains("convolutionMethod"))
        let old = try JSONFiles.text(e, pretty: false)
        #expect(try JSONFiles.decoder().decode(Experiment.self, from: Data(old.utf8)).convolutionMethod == nil)
        e.convolutionMethod = .winograd
        #expect(e.identity(kind: .standard).contains("\"convolutionMethod\":\"winograd\""))
        e.convolutionMethod = .measure
        #expect { try e.validate() } throws: { "\($0)".contains("--method must be auto, direct, fft, overlap or winograd") }
    }

    @Test func theComparisonTableNamesAForcedMethod() {
        var e = Experiment()
        func title() -> Substring {
            Comparison.Outcome(experiment: e, settings: TrainingSettings(), metricName: "accuracy (%)", baselineName: "chance",
                               baselineValue: 10, arms: []).table.split(separator: "\n").first ?? ""
        }
        #expect(!title().contains("convolutions"))
        e.convolutionMethod = .winograd
        #expect(title().hasSuffix(", winograd convolutions"))
    }

    @Test func anAutomaticRunRecordsWhatTheCostModelChoseAndFromWhichRates() throws {
        let trainer = TrainerTests()
        // Two 3×3 layers, on 8×8 and on 4×4 maps: the plan names each layer's own choice at each input shape.
        let model = VGG([.conv(4), .pool, .conv(4)], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3,
                        factory: ConvolutionFactory(kind: .standard, seed: 7, method: .auto))
        let result = try Trainer(settings: trainer.settings(epochs: 1), directory: nil, label: "auto")
            .run(model: model, task: trainer.task())
        let plan = try #require(result.convolutionPlan)
        #expect(plan.rates != nil)
        for entry in plan.layers {
            let geometry = try ConvolutionGeometry(inputShape: entry.inputShape, kernelShape: entry.kernelShape,
                                                   options: ConvolutionOptions(padding: .symmetric([1])))
            #expect(entry.method == ConvolutionPlanner.shared.method(for: geometry, requested: .auto), "\(entry)")
        }
        #expect(Set(plan.layers.map(\.layer)).count == 2)
        #expect(!plan.summary.isEmpty)
    }

    @Test func winogradTrainingEndsWhereDirectTrainingDoes() throws {
        let trainer = TrainerTests()
        var results: [ConvolutionMethod: RunResult] = [:]
        for method: ConvolutionMethod in [.direct, .winograd] {
            let directory = trainer.folder()
            let model = VGG([.conv(4), .pool, .conv(4), .pool], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3,
                            factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 7, method: method))
            results[method] = try Trainer(settings: trainer.settings(epochs: 2), directory: directory, label: "\(method)",
                                          convolutionMethod: method).run(model: model, task: trainer.task())
            let text = try String(contentsOfFile: directory + "/result.json", encoding: .utf8)
            #expect(text.contains("\"convolutionMethod\" : \"\(method)\""))
            // The plan in result.json: both layers, at every input shape they saw, ran the method asked for.
            let plan = try #require(try JSONFiles.decoder().decode(RunResult.self, from: Data(text.utf8)).convolutionPlan)
            #expect(Set(plan.layers.map(\.layer)).count == 2)
            #expect(plan.layers.allSatisfy { $0.method == method && $0.kernelShape.suffix(2) == [3, 3] }, "\(plan.layers)")
            #expect(plan.rates == nil)
        }
        let direct = try #require(results[.direct]), winograd = try #require(results[.winograd])
        for (a, b) in zip(direct.history, winograd.history) {
            #expect(abs(a.trainingLoss - b.trainingLoss) <= 1e-3 * max(1, abs(a.trainingLoss)), "epoch \(a.epoch)")
            #expect(a.densities.keys == b.densities.keys)
        }
    }
}
