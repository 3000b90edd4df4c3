import ArgumentParser

/// The `wconv` command line: weighted convolution on `.npy` files, training, evaluation,
/// comparison of weighted and standard convolution, and benchmarks.
@main
struct WConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wconv",
        abstract: "Weighted convolution: apply, train, compare, benchmark.",
        subcommands: [CompareCommand.self, TrainCommand.self, EvalCommand.self, DenoiseCommand.self, ConvCommand.self, BenchCommand.self])
}
