import GridCore
import Testing

/// The bounded caches: least recently used entries go first, and no cache keeps more than its limit.
@Suite struct MemoryCacheTests {
    @Test func leastRecentlyUsedEntryIsDroppedFirst() {
        let unit = LeastRecentlyUsedCache<Int, String>.minimumEntryBytes
        let cache = LeastRecentlyUsedCache<Int, String>(capacityInBytes: 2 * unit)
        _ = cache.value(for: 1) { ("one", unit) }
        _ = cache.value(for: 2) { ("two", unit) }
        #expect(cache.value(for: 1) == "one")  // 2 is now the least recently used
        _ = cache.value(for: 3) { ("three", unit) }
        #expect(cache.value(for: 2) == nil && cache.value(for: 1) == "one" && cache.value(for: 3) == "three")
        #expect(cache.bytes == 2 * unit && cache.count == 2)
        #expect(cache.value(for: 4) { ("too large", 3 * unit) } == "too large")
        #expect(cache.value(for: 4) == nil && cache.count == 2)
        cache.capacityInBytes = unit
        #expect(cache.count == 1 && cache.value(for: 3) == "three")
    }

    @Test func workspaceKeepsAtMostItsLimitAndReusesCloseSizes() {
        let pool = WorkspaceCache(capacityInBytes: 4096)
        let first = pool.withBuffer(count: 600) { UnsafeMutableRawPointer($0.baseAddress!) }
        #expect(pool.idleBytes == 2400)
        let reused = pool.withBuffer(count: 500) { UnsafeMutableRawPointer($0.baseAddress!) }
        #expect(reused == first)  // 600 floats serve a request of 500 (at most a quarter unused)
        pool.withBuffer(count: 300) { _ in }  // too small to use the idle 600: a second buffer, both fit
        #expect(pool.idleBytes == 3600)
        pool.withBuffer(count: 800) { _ in }  // 3200 more: the least recently returned go first
        #expect(pool.idleBytes <= 4096 && pool.idleBytes == 3200)
        pool.capacityInBytes = 0
        #expect(pool.idleBytes == 0)
    }
}
