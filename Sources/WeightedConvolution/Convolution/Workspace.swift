import Synchronization

/// A process-wide pool of scratch buffers, keyed by element count, so that the hot paths
/// (packing buffers, per-worker gradient accumulators) allocate nothing in steady state.
///
/// Borrowing is thread-safe: a buffer is handed to one caller at a time and put back when the
/// caller's body returns. Buffers are 64-byte aligned and their contents are unspecified.
/// At most ``capacityInBytes`` of idle buffers are kept; surplus ones are freed on return.
final class WorkspaceCache: Sendable {
    /// The pool the convolution engines share.
    static let shared = WorkspaceCache(capacityInBytes: 512 << 20)

    /// The largest total size of idle buffers kept for reuse.
    let capacityInBytes: Int

    /// An owned block of memory; only the pool and its current borrower touch it.
    private struct Block: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Float>
        let count: Int
    }

    private struct State: ~Copyable {
        var idle: [Int: [Block]] = [:]
        var idleBytes = 0
    }

    private let state = Mutex(State())

    /// A pool keeping at most `capacityInBytes` of idle buffers.
    init(capacityInBytes: Int) { self.capacityInBytes = capacityInBytes }

    deinit {
        state.withLock { state in
            for blocks in state.idle.values { for block in blocks { block.pointer.deallocate() } }
        }
    }

    /// Calls `body` with a buffer of exactly `count` elements (uninitialised contents), borrowed
    /// from the pool for the duration of the call.
    /// - Complexity: O(1) when a buffer of that size is idle, one allocation otherwise.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        let block = borrow(count: count)
        defer { giveBack(block) }
        return try body(UnsafeMutableBufferPointer(start: block.pointer, count: count))
    }

    private func borrow(count: Int) -> Block {
        let reused: Block? = state.withLock { state in
            guard let block = state.idle[count]?.popLast() else { return nil }
            state.idleBytes -= count * MemoryLayout<Float>.stride
            return block
        }
        if let reused { return reused }
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        return Block(pointer: raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1)), count: count)
    }

    private func giveBack(_ block: Block) {
        let bytes = block.count * MemoryLayout<Float>.stride
        let kept = state.withLock { state in
            guard state.idleBytes + bytes <= capacityInBytes else { return false }
            state.idle[block.count, default: []].append(block)
            state.idleBytes += bytes
            return true
        }
        if !kept { block.pointer.deallocate() }
    }
}
