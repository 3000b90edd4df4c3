#if canImport(Cluster)
import ArgumentParser
import Cluster
import Foundation
import Tuning
#if canImport(Glibc)
import Glibc
#endif

/// `wconv seed-job` (hidden): the child process in which a worker rank of `mpirun -np K wconv tune`
/// trains one seed of an evaluation, so that a crash or a kill of the run ends this process, not
/// the rank (`ChildProcessJobs`).
struct SeedJobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-job", abstract: "Trains one seed of a tuning evaluation (a worker rank's child process).",
        shouldDisplay: false)

    /// The variable that makes the run of a seed kill itself with SIGKILL when it trains a density
    /// (not the standard convolution, which a study needs): tests of failure handling.
    static let killSeedVariable = "WCONV_TEST_KILL_SEED"

    @Option(help: "The evaluation request (JSON).") var input: String
    @Option(help: "Where the outcome goes (JSON).") var output: String
    @OptionGroup var compute: ThreadOptions

    func run() throws {
        try compute.apply()
        let kill = ProcessInfo.processInfo.environment[Self.killSeedVariable].flatMap { UInt64($0) }
        try ChildProcessJobs.serve(input: input, output: output) { (request: EvaluationRequest) in
            if let kill, request.seeds.contains(kill), request.arm != .standard { raise(SIGKILL) }
            return try evaluate(request, showsProgress: false)
        }
    }
}
#endif
