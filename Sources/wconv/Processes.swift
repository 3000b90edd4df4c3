import ArgumentParser
import Foundation
import Communication
import Tuning
import GridCore
#if canImport(Cluster)
import Cluster
#endif

/// The processes a command runs on: the ranks of `mpirun -np K` / `srun` (when this `wconv` was
/// built with Open MPI), else this process alone.
enum Processes {
    /// The communicator of this process.
    /// - Throws: ``CommandFailure`` when an MPI launcher started a `wconv` built without MPI (each
    ///   rank would train alone and overwrite the others' files), or MPI cannot be initialised.
    static func communicator() throws -> any Communicator {
        #if canImport(Cluster)
        do { return try MPICommunicator.forThisProcess() } catch { throw CommandFailure("\(error)") }
        #else
        guard !Launcher.isMPI else {
            throw CommandFailure("started by an MPI launcher, but this wconv was built without MPI (install libopenmpi-dev and rebuild)")
        }
        return SingleProcess()
        #endif
    }

    /// Whether this `wconv` was built with Open MPI (it can run as a rank of `mpirun`).
    static var hasMPI: Bool {
        #if canImport(Cluster)
        true
        #else
        false
        #endif
    }

    /// After an error: on a job of several ranks, prints it and ends every rank (the others would
    /// wait for this one in their next collective forever); otherwise does nothing.
    static func abortJob(after error: any Error, command: any ParsableCommand.Type) {
        #if canImport(Cluster)
        guard let world = MPICommunicator.initialised, world.size > 1 else { return }
        let code = command.exitCode(for: error).rawValue
        FileHandle.standardError.write(Data("rank \(world.rank): \(command.fullMessage(for: error))\n".utf8))
        MPICommunicator.abort(code: code == 0 ? 1 : code)
        #endif
    }

    /// The subcommands only a cluster run uses (the child process of a seed job).
    static var hiddenCommands: [any ParsableCommand.Type] {
        #if canImport(Cluster)
        [SeedJobCommand.self]
        #else
        []
        #endif
    }

    /// Rank 0's way to run the seed jobs of `tune` on the other ranks of an MPI job.
    struct SeedJobs {
        /// Hands each seed to the next free rank (a failing job is retried once on another rank).
        let run: SeedJobRunner
        /// Releases the other ranks when the study is done.
        let end: () -> Void
    }

    /// The seed jobs of `tune` on `world`: on one process `nil` (the study trains its seeds
    /// itself); on rank 0 of several, the ``SeedJobs`` that dispatch them; on the other ranks, runs
    /// the seed jobs rank 0 sends until it ends them, then returns `nil`.
    ///
    /// A worker rank trains each seed in a child process (`wconv seed-job`), so a run that
    /// crashes, is killed or passes `timeout` is reported with how it ended and retried once on
    /// another rank, and the rank goes on; rank 0 gives a rank up only when it does not answer
    /// within twice `timeout` plus a minute (the rank itself hangs).
    /// - Parameters:
    ///
    /// With at least twice as many ranks as `seeds`, the ranks form one group per seed instead
    /// (`RankGroups`; rank 0 trains in the first), and each seed's run of the search is
    /// data-parallel over its group, in the rank's own process; the final runs train whole on the
    /// groups' first ranks, so their test scores equal one process's (`evaluate(_:group:)`).
    /// - Parameters:
    ///   - world: the ranks.
    ///   - seeds: the seeds of an evaluation.
    ///   - timeout: seconds one seed's run may take before it is stopped and retried.
    /// - Throws: ``CommandFailure`` for a timeout that is not positive; transport errors.
    static func seedJobs(on world: any Communicator, seeds: Int, timeout: Double?) throws -> SeedJobs? {
        #if canImport(Cluster)
        guard world.size > 1 else { return nil }
        if let world = world as? MPICommunicator, world.size >= 2 * seeds {
            let groups = try RankGroups(world: world, groups: seeds)
            let work = { (request: EvaluationRequest, group: any Communicator) in try evaluate(request, group: group) }
            guard world.isRoot else {
                try groups.serveBatches(work)
                return nil
            }
            FileHandle.standardError.write(Data("tune: \(world.size) ranks in \(seeds) group(s), each seed's run data-parallel over its group\n".utf8))
            return SeedJobs(run: { requests in try groups.mapBatch(requests, work) }, end: { try? groups.endBatches() })
        }
        let dispatcher: Dispatcher
        do { dispatcher = try Dispatcher(communicator: world, attempts: 2, timeout: timeout.map { 2 * $0 + 60 }) } catch {
            throw CommandFailure("--job-timeout: \(error)")
        }
        let children = ChildProcessJobs(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
                                        arguments: ["seed-job", "--threads", String(ComputeThreads.count)], timeout: timeout)
        let work = { (request: EvaluationRequest) -> EvaluationOutcome in try children.run(request) }
        guard world.isRoot else {
            try dispatcher.serveBatches(work)
            return nil
        }
        return SeedJobs(run: { requests in try dispatcher.mapBatch(requests, work).map(\.result) }, end: { try? dispatcher.endBatches() })
        #else
        return nil
        #endif
    }
}
