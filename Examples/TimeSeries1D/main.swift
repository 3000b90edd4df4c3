// Weighted vs standard 1-D convolution on a real time-series classification problem from the
// UCR archive (the .ts files shipped in the PyPI package `aeon`; `scripts/fetch-ucr` puts them in
// data/ucr/). A thin caller of the library's series task: the same runs as
//   wconv compare --task series --problem PROBLEM --model MODEL --seeds 1,2,3
// (same seed ⇒ same initial weights and batches for both arms; the table gives mean ± spread and
// the paired difference with its 95 % interval).
//
//   scripts/fetch-ucr && swift run -c release timeseries1d [PROBLEM] [--model series-small] [--epochs 40] [--seeds 1,2,3] [--data-dir data/ucr]
//   e.g. swift run -c release timeseries1d OSULeaf --model series-resnet --seeds 1,2,3
import ArgumentParser
import Foundation
import NeuralNetwork
import Training

extension ModelKind: ExpressibleByArgument {}

/// The command line of the example.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeseries1d", abstract: "Weighted vs standard 1-D convolution on a UCR time-series problem, several seeds.")
    @Argument(help: "UCR problem name: reads <data-dir>/<PROBLEM>_TRAIN.ts and _TEST.ts (or .tsv).") var problem = TaskDefaults.seriesProblem
    @Option(help: "Model: series-small (3 blocks of 16–32 filters, 7 taps), fcn or series-resnet (Wang, Yan & Oates 2017, kernels 7/5/3).")
    var model = TaskDefaults.of(.series).model
    @Option(parsing: .unconditional, help: "Epochs per run (1…100000).") var epochs = TaskDefaults.of(.series).epochs
    @Option(parsing: .unconditional, help: "Seeds, comma-separated non-negative integers; each gives one run per arm.") var seeds = "1,2,3"
    @Option(help: "Folder of the .ts files (scripts/fetch-ucr puts them in data/ucr).") var dataDir = TaskDefaults.seriesFolder
    @Flag(inversion: .prefixedNo, help: "Z-normalise each series (the UCR convention).") var zNormalise = true
    @Option(help: "Folder for the runs and summaries.") var output = "runs/timeseries1d"

    func run() throws {
        let outcome = try Comparison.standardAgainstWeighted(experiment, epochs: epochs, seeds: try TrainingSettings.seeds(from: seeds), directory: output)
        print("\n" + outcome.table)
    }

    /// The series experiment the options describe.
    var experiment: Experiment {
        var e = Experiment(task: .series)
        (e.problem, e.model, e.dataDirectory, e.zNormalise) = (problem, model, dataDir, zNormalise)
        return e
    }
}

HeapReuse.enable()
Options.main()
