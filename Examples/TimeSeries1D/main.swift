// Weighted vs standard 1-D convolution on a real time-series classification problem from the
// UCR archive (the .ts files shipped in the PyPI package `aeon`; `scripts/fetch-ucr` puts them in
// data/ucr/). A thin caller of the library: the series reader (`UCRSeries`), the models of Wang,
// Yan & Oates (2017) (`SeriesFCN`, `SeriesResNet`) and the trainer. Same seed ⇒ same initial
// weights and batches for both arms; several seeds.
//
//   scripts/fetch-ucr && swift run -c release timeseries1d [PROBLEM] [--model small] [--epochs 40] [--seeds 1,2,3] [--data-dir data/ucr]
//   e.g. swift run -c release timeseries1d OSULeaf --model resnet --seeds 1,2,3
import ArgumentParser
import Datasets
import Foundation
import Models
import NeuralNetwork
import Training

/// The series models of the example.
enum SeriesModel: String, ExpressibleByArgument, CaseIterable {
    case small, fcn, resnet
}

/// The command line of the example.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeseries1d", abstract: "Weighted vs standard 1-D convolution on a UCR time-series problem, several seeds.")
    @Argument(help: "UCR problem name: reads <data-dir>/<PROBLEM>_TRAIN.ts and _TEST.ts (or .tsv).") var problem = "GunPoint"
    @Option(help: "Model: small (3 blocks of 16–32 filters, 7 taps), fcn or resnet (Wang, Yan & Oates 2017, kernels 7/5/3).") var model = SeriesModel.small
    @Option(parsing: .unconditional, help: "Epochs per run (1 or more).") var epochs = 40
    @Option(parsing: .unconditional, help: "Seeds, comma-separated non-negative integers; each gives one run per arm.") var seeds = "1,2,3"
    @Option(help: "Folder of the .ts files (scripts/fetch-ucr puts them in data/ucr).") var dataDir = "data/ucr"
    @Flag(inversion: .prefixedNo, help: "Z-normalise each series (the UCR convention).") var zNormalise = true

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        _ = try TrainingSettings.seeds(from: seeds)
    }
}

HeapReuse.enable()
let options = Options.parseOrExit()
let seeds = try TrainingSettings.seeds(from: options.seeds)

do {
    let files = try UCRSeries.problemFiles(options.problem, in: options.dataDir)
    let (train, test) = try UCRSeries.readPair(training: files.training, test: files.test, zNormalise: options.zNormalise)
    let (channels, classes) = (train.series.shape[1], train.classes.count)
    let (mean, std) = ClassificationDataset.statistics(of: train.series)
    let task = { (seed: UInt64) in
        ClassificationTask(
            training: ClassificationDataset(images: train.series, classes: classes, mean: mean, standardDeviation: std),
            evaluation: ClassificationDataset(images: test.series, classes: classes, mean: mean, standardDeviation: std),
            batchSize: 16, seed: seed, augment: false)
    }
    func network(_ kind: ConvolutionKind, seed: UInt64) -> any Module {
        let factory = ConvolutionFactory(kind: kind, seed: seed)
        switch options.model {
        case .small: return SeriesFCN.small(inputChannels: channels, classes: classes, factory: factory)
        case .fcn: return SeriesFCN(inputChannels: channels, classes: classes, factory: factory)
        case .resnet: return SeriesResNet(inputChannels: channels, classes: classes, factory: factory)
        }
    }
    print("\(options.problem) (\(options.model)): \(train.series.count) training and \(test.series.count) test series of \(channels)×\(train.series.shape[2]), \(classes) classes")
    var settings = TrainingSettings()
    settings.epochs = options.epochs
    settings.learningRate = 3e-3
    var finals: [String: [Double]] = [:]
    for seed in seeds {
        settings.seed = seed
        for kind in [ConvolutionKind.standard, .weighted(den: [0.25, 0.15, 0.55], trainable: false)] {
            let result = try Trainer(settings: settings, directory: nil, label: "\(kind.name) s\(seed)")
                .run(model: network(kind, seed: seed), task: task(seed))
            finals[kind.name, default: []].append(result.finalMetric)
        }
    }
    print("\ntest accuracy after \(options.epochs) epochs, seeds \(seeds.map(String.init).joined(separator: ",")) (mean ± std):")
    for arm in ["standard", "weighted"] {
        let (m, s) = meanAndSpread(finals[arm]!)
        print(String(format: "  %-9@ %6.2f ± %.2f %%", arm, m, s))
    }
    let paired = zip(finals["weighted"]!, finals["standard"]!).map { $0 - $1 }
    let (dm, ds) = meanAndSpread(paired)
    print(String(format: "  weighted − standard %+.2f ± %.2f points; chance %.1f %%", dm, ds, 100 / Double(classes)))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n(run scripts/fetch-ucr first, or give --data-dir)\n".utf8))
    exit(1)
}
