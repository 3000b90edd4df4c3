import ArgumentParser
import Foundation
import NeuralNetwork

/// The `wconv` command line: weighted convolution on `.npy` files, training, evaluation,
/// comparison of weighted and standard convolution, and benchmarks.
@main
struct WConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wconv",
        abstract: "Weighted convolution: apply, train, compare, benchmark.",
        subcommands: [CompareCommand.self, TrainCommand.self, TuneCommand.self, EvalCommand.self, DenoiseCommand.self, ExportCommand.self, ConvCommand.self,
                      BenchCommand.self, CheckDocsCommand.self] + Processes.hiddenCommands)

    /// The variable that makes `wconv` stop after parsing and checking its options (every check
    /// that needs no file or data), printing ``checkedMessage``: the option table tests use it
    /// for the values that are accepted, which would otherwise start training or benchmarks.
    static let checkOnlyVariable = "WCONV_CHECK_OPTIONS_ONLY"

    /// What `wconv` prints when ``checkOnlyVariable`` is set and the options were accepted.
    static let checkedMessage = "options accepted"

    /// Parses the arguments and runs the command, with freed tensor memory kept for reuse; an
    /// error on one rank of an MPI job ends the whole job.
    static func main() {
        HeapReuse.enable()
        do {
            var command = try parseAsRoot()
            if ProcessInfo.processInfo.environment[checkOnlyVariable] != nil {
                print(checkedMessage)
                return
            }
            try command.run()
        } catch {
            Processes.abortJob(after: error, command: self)
            exit(withError: error)
        }
    }
}
