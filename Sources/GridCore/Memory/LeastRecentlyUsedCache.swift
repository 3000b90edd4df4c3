import Synchronization

/// A thread-safe map that keeps values up to a total size in bytes and drops the least recently
/// used ones first when a new value would exceed it.
///
/// Each value's size is stated when it is made (``value(for:make:)``); an entry counts at least
/// ``minimumEntryBytes`` so that many tiny values cannot grow the map without bound. A value
/// larger than the whole capacity is returned but not kept.
package final class LeastRecentlyUsedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The smallest size an entry counts for (its key, bookkeeping and the value's own header).
    package static var minimumEntryBytes: Int { 1024 }

    private struct Entry {
        var value: Value
        let bytes: Int
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var capacity: Int

        /// Removes least recently used entries until at most `capacity` bytes remain; returns
        /// them so that they are released after the lock (a value's deinit may take other locks).
        mutating func evict() -> [Value] {
            var evicted: [Value] = []
            while bytes > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries[oldest.key] = nil
                bytes -= oldest.value.bytes
                evicted.append(oldest.value.value)
            }
            return evicted
        }
    }

    private let state: Mutex<State>

    /// An empty cache keeping at most `capacityInBytes` bytes of values.
    package init(capacityInBytes: Int) { state = Mutex(State(capacity: Swift.max(0, capacityInBytes))) }

    /// The largest total size of the values kept; lowering it evicts at once.
    package var capacityInBytes: Int {
        get { state.withLock { $0.capacity } }
        set {
            // The evicted values are released when the returned array is, after the lock.
            _ = state.withLock { state in
                state.capacity = Swift.max(0, newValue)
                return state.evict()
            }
        }
    }

    /// The total size of the values kept now.
    package var bytes: Int { state.withLock { $0.bytes } }

    /// The number of values kept now.
    package var count: Int { state.withLock { $0.entries.count } }

    /// The value kept for `key`, marked as the most recently used, or `nil`.
    package func value(for key: Key) -> Value? {
        state.withLock { state in
            state.clock += 1
            guard var entry = state.entries[key] else { return nil }
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.value
        }
    }

    /// The value kept for `key`, or the one `make` returns (with its size in bytes), which is
    /// then kept. `make` runs outside the lock, so two threads may both make a value for a new
    /// key; the first one stored wins and both callers get it.
    package func value(for key: Key, make: () -> (value: Value, bytes: Int)) -> Value {
        if let known = value(for: key) { return known }
        let made = make()
        let bytes = Swift.max(made.bytes, Self.minimumEntryBytes)
        // The evicted values are released with the returned array, after the lock.
        let (result, _) = state.withLock { state -> (Value, [Value]) in
            state.clock += 1
            if let existing = state.entries[key] { return (existing.value, []) }
            guard bytes <= state.capacity else { return (made.value, []) }
            state.entries[key] = Entry(value: made.value, bytes: bytes, lastUse: state.clock)
            state.bytes += bytes
            return (made.value, state.evict())
        }
        return result
    }
}
