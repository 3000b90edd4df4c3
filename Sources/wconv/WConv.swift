import ArgumentParser
import NeuralNetwork

/// The `wconv` command line: weighted convolution on `.npy` files, training, evaluation,
/// comparison of weighted and standard convolution, and benchmarks.
@main
struct WConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wconv",
        abstract: "Weighted convolution: apply, train, compare, benchmark.",
        subcommands: [CompareCommand.self, TrainCommand.self, TuneCommand.self, EvalCommand.self, DenoiseCommand.self, ConvCommand.self,
                      BenchCommand.self, CheckDocsCommand.self] + Processes.hiddenCommands)

    /// Parses the arguments and runs the command, with freed tensor memory kept for reuse; an
    /// error on one rank of an MPI job ends the whole job.
    static func main() {
        HeapReuse.enable()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            Processes.abortJob(after: error, command: self)
            exit(withError: error)
        }
    }
}
