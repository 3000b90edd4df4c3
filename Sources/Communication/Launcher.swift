#if canImport(Glibc)
import Glibc
#endif

/// What an MPI launcher (`mpirun`/`mpiexec` of Open MPI or MPICH, Slurm's `srun`) tells a
/// process through its environment, read before MPI is initialised.
public enum Launcher {
    /// Whether this process was started by an MPI launcher; without one, a run is a single process.
    public static var isMPI: Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { variable($0) != nil }
    }

    /// The number of ranks the launcher started on this machine, when it says
    /// (`OMPI_COMM_WORLD_LOCAL_SIZE`, `MPI_LOCALNRANKS`, `SLURM_NTASKS_PER_NODE`).
    public static var ranksOnThisMachine: Int? {
        ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]
            .lazy.compactMap { variable($0).flatMap { Int($0) } }.first { $0 >= 1 }
    }

    private static func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
