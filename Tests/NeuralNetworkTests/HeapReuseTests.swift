import Testing
import NeuralNetwork

/// The allocator policy of ``HeapReuse``.
@Suite struct HeapReuseTests {
    /// glibc accepts both settings (a rejected value, e.g. a threshold above its limit, returns false).
    @Test func glibcAcceptsThePolicy() {
        #expect(HeapReuse.enable())
        let buffers = (0..<4).map { [Float](repeating: Float($0), count: 1 << 22) }
        #expect(buffers.map { $0[1 << 21] } == [0, 1, 2, 3])
    }
}
