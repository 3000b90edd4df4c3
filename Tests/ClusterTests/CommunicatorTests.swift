import Cluster
import Communication
import Testing

extension MPITests {
    /// The collectives and messages of ``MPICommunicator`` on the ranks of `mpirun -np K`, and the
    /// single-process communicator beside them.
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

        @Test func broadcastCopiesTheRootsValues() throws {
            let world = try MPICommunicator.world()
            let root = world.size - 1
            let arrays = try world.broadcast([[Float(world.rank)], [Float(world.rank), 2]], root: root)
            #expect(arrays == [[Float(root)], [Float(root), 2]])
            var values = [Float(world.rank)]
            #expect(throws: CommunicatorError.self) { try world.broadcast(&values, root: world.size) }
        }

        @Test func messagesGoAroundTheRingAndTimeOutWhenNoneCome() throws {
            let world = try MPICommunicator.world()
            let next = (world.rank + 1) % world.size, previous = (world.rank + world.size - 1) % world.size
            if world.size > 1 {
                if world.isRoot { try world.send([7, UInt8(world.rank)], to: next, tag: 5) }
                let message = try #require(try world.receive(from: previous, tag: 5, timeout: 30))
                #expect(message == Message(source: previous, tag: 5, bytes: [7, UInt8(previous)]))
                if !world.isRoot { try world.send([7, UInt8(world.rank)], to: next, tag: 5) }
            }
            #expect(try world.receive(from: nil, tag: 6, timeout: 0.01) == nil)
            #expect(throws: CommunicatorError.self) { try world.send([], to: world.rank, tag: 5) }
            #expect(throws: CommunicatorError.self) { try world.send([], to: next, tag: 40000) }
            try world.barrier()
        }

        @Test func oneProcessKeepsItsValues() throws {
            let alone = SingleProcess()
            var values: [Float] = [1, 2]
            try alone.allreduce(&values, .average)
            try alone.broadcast(&values, root: 0)
            #expect(values == [1, 2] && alone.rank == 0 && alone.size == 1)
            #expect(try alone.receive(from: nil, tag: nil, timeout: 10) == nil)
            #expect(throws: CommunicatorError.self) { try alone.send([1], to: 0, tag: 0) }
        }
    }
}
