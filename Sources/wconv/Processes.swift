import ArgumentParser
import Foundation
import Communication
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
}
