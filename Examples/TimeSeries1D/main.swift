// Weighted vs standard 1-D convolution on a real time-series classification problem from the
// UCR archive (the .ts files shipped in the PyPI package `aeon`; `scripts/fetch-ucr` puts them in
// data/ucr/). Same seed ⇒ same initial weights and batches for both arms; several seeds.
//
//   scripts/fetch-ucr && swift run -c release timeseries1d [PROBLEM] [--epochs 40] [--seeds 1,2,3] [--data-dir data/ucr]
//   e.g. swift run -c release timeseries1d OSULeaf --seeds 1,2,3
import ArgumentParser
import Datasets
import Foundation
import Models
import NeuralNetwork
import Training

/// The command line of the example.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeseries1d", abstract: "Weighted vs standard 1-D convolution on a UCR time-series problem, several seeds.")
    @Argument(help: "UCR problem name: reads <data-dir>/<PROBLEM>_TRAIN.ts and _TEST.ts.") var problem = "GunPoint"
    @Option(parsing: .unconditional, help: "Epochs per run (1 or more).") var epochs = 40
    @Option(parsing: .unconditional, help: "Seeds, comma-separated non-negative integers; each gives one run per arm.") var seeds = "1,2,3"
    @Option(help: "Folder of the .ts files (scripts/fetch-ucr puts them in data/ucr).") var dataDir = "data/ucr"

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        _ = try TrainingSettings.seeds(from: seeds)
    }
}

HeapReuse.enable()
let options = Options.parseOrExit()
let (problem, epochs, folder) = (options.problem, options.epochs, options.dataDir)
let seeds = try TrainingSettings.seeds(from: options.seeds)

/// A small fully convolutional 1-D classifier: three 7-tap convolutions with batch norm and
/// ReLU, global average pooling, a linear layer.
func classifier(classes: Int, kind: ConvolutionKind, seed: UInt64) -> Sequential {
    let factory = ConvolutionFactory(kind: kind, seed: seed)
    return Sequential([
        factory.make(1, 16, size: 7, spatialRank: 1), BatchNorm(channels: 16), Function.relu,
        factory.make(16, 32, size: 7, spatialRank: 1), BatchNorm(channels: 32), Function.relu,
        factory.make(32, 32, size: 7, spatialRank: 1), BatchNorm(channels: 32), Function.relu,
        GlobalAveragePooling(), Function.flatten, Linear(inFeatures: 32, outFeatures: classes, seed: factory.seed()),
    ])
}

do {
    let (train, classes) = try UCRSeries.read("\(folder)/\(problem)_TRAIN.ts")
    let (test, _) = try UCRSeries.read("\(folder)/\(problem)_TEST.ts", classNames: classes)
    let (mean, std) = ClassificationDataset.statistics(of: train)
    let task = { (seed: UInt64) in
        ClassificationTask(
            training: ClassificationDataset(images: train, classes: classes.count, mean: mean, standardDeviation: std),
            evaluation: ClassificationDataset(images: test, classes: classes.count, mean: mean, standardDeviation: std),
            batchSize: 16, seed: seed, augment: false)
    }
    print("\(problem): \(train.count) training and \(test.count) test series of length \(train.shape[2]), \(classes.count) classes")
    var settings = TrainingSettings()
    settings.epochs = epochs
    settings.learningRate = 3e-3
    var finals: [String: [Double]] = [:]
    for seed in seeds {
        settings.seed = seed
        for kind in [ConvolutionKind.standard, .weighted(den: [0.25, 0.15, 0.55], trainable: false)] {
            let result = try Trainer(settings: settings, directory: nil, label: "\(kind.name) s\(seed)")
                .run(model: classifier(classes: classes.count, kind: kind, seed: seed), task: task(seed))
            finals[kind.name, default: []].append(result.finalMetric)
        }
    }
    print("\ntest accuracy after \(epochs) epochs, seeds \(seeds.map(String.init).joined(separator: ",")) (mean ± std):")
    for arm in ["standard", "weighted"] {
        let (m, s) = meanAndSpread(finals[arm]!)
        print(String(format: "  %-9@ %6.2f ± %.2f %%", arm, m, s))
    }
    let paired = zip(finals["weighted"]!, finals["standard"]!).map { $0 - $1 }
    let (dm, ds) = meanAndSpread(paired)
    print(String(format: "  weighted − standard %+.2f ± %.2f points; chance %.1f %%", dm, ds, 100 / Double(classes.count)))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n(run scripts/fetch-ucr first, or give --data-dir)\n".utf8))
    exit(1)
}
