import Cluster
import Communication
import Testing

extension MPITests {
    /// The collectives and messages of ``MPICommunicator`` on the ranks of `mpirun -np K` (skipped
    /// when the test process was not started by an MPI launcher: `scripts/test` starts them).
    @Suite struct CommunicatorTests {
        @Test func allreduceSumsAndAverages() throws {
            let world = try MPICommunicator.world()
            var values: [Float] = [Float(world.rank + 1), 1]
            try world.allreduce(&values, .sum)
            let total = Float(world.size * (world.size + 1) / 2)
            #expect(values == [total, Float(world.size)])
            var doubles: [Double] = [Double(world.rank)]
            try world.allreduce(&doubles, .average)
            #expect(doubles == [Double(world.size - 1) / 2])
        }
    }
}
