import ArgumentParser
import WeightedConvolution

/// `--threads`: how many threads the convolution engines, the training stack and OpenBLAS use.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads to compute on (default: the processors online).") var threads: Int?

    /// Sets ``ComputeThreads/count`` (call before any computation).
    func apply() throws {
        guard let threads else { return }
        guard threads >= 1 else { throw CommandFailure("--threads must be at least 1, got \(threads)") }
        ComputeThreads.count = threads
    }
}
