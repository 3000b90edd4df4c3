import Synchronization

/// A process-wide pool of scratch buffers, so that the hot paths (packing buffers, padded
/// copies, per-worker gradient accumulators) allocate nothing in steady state.
///
/// Borrowing is thread-safe: a buffer is handed to one caller at a time and put back when the
/// caller's body returns. Buffers are 64-byte aligned and their contents are unspecified. A
/// request takes the smallest idle buffer that holds it and wastes at most a quarter of it, so
/// inputs of slightly different sizes share buffers. At most ``capacityInBytes`` of idle
/// buffers are kept: when a returned buffer would exceed it, the least recently returned idle
/// buffers are freed first (`ConvolutionMemory.workspaceLimit` sets it for the shared pool).
package final class WorkspaceCache: Sendable {
    /// The capacity of the shared pool until it is changed: 256 MiB.
    package static let defaultCapacityInBytes = 256 << 20

    /// The pool the convolution engines share.
    package static let shared = WorkspaceCache(capacityInBytes: defaultCapacityInBytes)

    /// An owned block of memory; only the pool and its current borrower touch it.
    private struct Block: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Float>
        let count: Int
        var bytes: Int { count * MemoryLayout<Float>.stride }
    }

    private struct State: ~Copyable {
        /// Idle blocks by element count, each with the clock value of its return.
        var idle: [Int: [(block: Block, returned: UInt64)]] = [:]
        var idleBytes = 0
        var clock: UInt64 = 0
        var capacity: Int

        /// The smallest idle block of `count` to `count + count / 3` elements, taken out.
        mutating func take(count: Int) -> Block? {
            let largest = count + count / 3
            guard let size = idle.keys.filter({ $0 >= count && $0 <= largest }).min(),
                  let entry = idle[size]?.popLast() else { return nil }
            if idle[size]?.isEmpty == true { idle[size] = nil }
            idleBytes -= entry.block.bytes
            return entry.block
        }

        /// Removes the least recently returned idle blocks until at most `capacity` bytes remain.
        mutating func evict() -> [Block] {
            var freed: [Block] = []
            while idleBytes > capacity {
                guard let (size, index) = oldest() else { break }
                let block = idle[size]!.remove(at: index).block
                if idle[size]!.isEmpty { idle[size] = nil }
                idleBytes -= block.bytes
                freed.append(block)
            }
            return freed
        }

        private func oldest() -> (size: Int, index: Int)? {
            var best: (size: Int, index: Int, returned: UInt64)? = nil
            for (size, blocks) in idle {
                for (index, entry) in blocks.enumerated() where best.map({ entry.returned < $0.returned }) ?? true {
                    best = (size, index, entry.returned)
                }
            }
            return best.map { ($0.size, $0.index) }
        }
    }

    private let state: Mutex<State>

    /// A pool keeping at most `capacityInBytes` of idle buffers.
    package init(capacityInBytes: Int) { state = Mutex(State(capacity: Swift.max(0, capacityInBytes))) }

    deinit {
        state.withLock { state in
            for blocks in state.idle.values { for entry in blocks { entry.block.pointer.deallocate() } }
        }
    }

    /// The largest total size of idle buffers kept for reuse; lowering it frees at once.
    package var capacityInBytes: Int {
        get { state.withLock { $0.capacity } }
        set {
            let freed = state.withLock { state in
                state.capacity = Swift.max(0, newValue)
                return state.evict()
            }
            for block in freed { block.pointer.deallocate() }
        }
    }

    /// The total size of the idle buffers kept now.
    package var idleBytes: Int { state.withLock { $0.idleBytes } }

    /// Calls `body` with a buffer of exactly `count` elements (uninitialised contents), borrowed
    /// from the pool for the duration of the call.
    /// - Complexity: O(distinct idle sizes) when a buffer is idle, one allocation otherwise.
    package func withBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        let block = borrow(count: count)
        defer { giveBack(block) }
        return try body(UnsafeMutableBufferPointer(start: block.pointer, count: count))
    }

    private func borrow(count: Int) -> Block {
        if let reused = state.withLock({ $0.take(count: count) }) { return reused }
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        return Block(pointer: raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1)), count: count)
    }

    private func giveBack(_ block: Block) {
        let freed = state.withLock { state in
            state.clock += 1
            state.idle[block.count, default: []].append((block, state.clock))
            state.idleBytes += block.bytes
            return state.evict()
        }
        for block in freed { block.pointer.deallocate() }
    }
}
