import ArgumentParser
import Models
import NeuralNetwork
import Training

/// `wconv bench train`: images per second of one training step (forward, loss, backward,
/// AdamW step) of the paper's models, standard vs weighted, with peak memory.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training-step throughput of VGG-16, ResNet-18, DnCNN and NAFNet.")

    @Option(help: "Timed steps per model (the best is reported).") var steps = 3
    @Option(help: "Models to time (repeatable): vgg16, resnet18, dncnn, nafnet.") var model: [String] = ["vgg16", "resnet18", "dncnn", "nafnet"]

    /// One benchmark case: a model builder, its input shape and the loss.
    struct Case: Sendable {
        let name: String, shape: [Int]
        let build: @Sendable (ConvolutionKind) -> any Module
        let classification: Bool
    }

    static let cases: [String: Case] = [
        "vgg16": Case(name: "VGG-16 bn, CIFAR 32×32, batch 64", shape: [64, 3, 32, 32], build: {
            VGG(VGG.vgg16, inputChannels: 3, inputSize: 32, classes: 100, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: true),
        "resnet18": Case(name: "ResNet-18, CIFAR 32×32, batch 64", shape: [64, 3, 32, 32], build: {
            ResNet.resnet18(inputChannels: 3, classes: 100, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: true),
        "dncnn": Case(name: "DnCNN 17×64, 64×64 grey, batch 16", shape: [16, 1, 64, 64], build: {
            DnCNN(channels: 1, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: false),
        "nafnet": Case(name: "NAFNet w16 [1,1]+1, 64×64 RGB, batch 16", shape: [16, 3, 64, 64], build: {
            NAFNet(channels: 3, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: false),
    ]

    func run() throws {
        var rows = [["model", "conv", "step ms", "images/s", "weighted vs standard", "peak MiB"]]
        for name in model {
            guard let c = Self.cases[name] else { throw CommandFailure("unknown model \(name) (vgg16, resnet18, dncnn, nafnet)") }
            var standardTime = 0.0
            for kind in [ConvolutionKind.standard, .weighted(den: [0.5], trainable: true)] {
                let time = try Self.stepSeconds(c, kind: kind, steps: steps)
                if case .standard = kind { standardTime = time }
                let ratio = kind == .standard ? "" : String(format: "%+.1f %%", 100 * (time / standardTime - 1))
                rows.append([c.name, kind.name, String(format: "%.1f", 1000 * time), String(format: "%.1f", Double(c.shape[0]) / time),
                             ratio, String(format: "%.0f", peakMemoryMiB())])
            }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { i, cell in
                i < 2 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  "))
        }
    }

    /// The best time of one training step over `steps` steps after a warm-up step.
    static func stepSeconds(_ c: Case, kind: ConvolutionKind, steps: Int) throws -> Double {
        let model = c.build(kind)
        let optimizer = Optimizer(model.namedParameters(), rule: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                  groups: [.weights: .init(learningRate: 1e-4), .noDecay: .init(learningRate: 1e-4),
                                           .densities: .init(learningRate: 1e-2)])
        let input = Initialization.normal(shape: c.shape, standardDeviation: 1, seed: 2)
        let labels = (0..<c.shape[0]).map { $0 % 100 }
        var best = Double.infinity
        for step in 0...steps {
            let start = ContinuousClock.now
            model.zeroGradients()
            let output = try model(Variable(input))
            let loss = c.classification ? try Loss.crossEntropy(output, labels: labels)
                                        : try Loss.meanSquaredError(output, target: input)
            loss.backward()
            optimizer.step()
            let d = ContinuousClock.now - start
            if step > 0 { best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) }
        }
        return best
    }
}
