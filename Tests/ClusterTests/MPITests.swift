import Communication
import Testing

/// Every test that talks to the other ranks, one at a time (collectives of two tests must not
/// interleave): the suites are nested in this one. Skipped when the test process was not started
/// by an MPI launcher; `scripts/test` runs them under `mpirun -np 2`.
@Suite(.serialized, .enabled(if: Launcher.isMPI, "needs mpirun (scripts/test runs these under mpirun -np 2)"))
struct MPITests {}
