import ArgumentParser
import Communication
import GridCore

/// `--threads`: how many threads the convolution engines, the training stack and OpenBLAS use.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: OptionRanges.threads.help("Threads to compute on (default: the processors online, divided among the MPI ranks on this machine)"),
            transform: OptionRanges.threads.parse)
    var threads: Int?

    /// Sets `ComputeThreads.count` (call before any computation): `--threads`, or, when an MPI
    /// launcher started several ranks on this machine, the processors shared among them, so that
    /// ranks × threads = processors.
    func apply() throws {
        if let threads {
            ComputeThreads.count = threads
        } else if let ranks = Launcher.ranksOnThisMachine, ranks > 1 {
            ComputeThreads.count = max(1, ComputeThreads.processorCount / ranks)
        }
    }
}
