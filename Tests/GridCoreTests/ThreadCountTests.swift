import GridCore
import Testing

/// Thread counts far outside what a machine runs are clamped, never a trap.
@Suite struct ThreadCountTests {
    @Test func blasThreadCountsOutsideTheRangeAreClamped() {
        for count in [Int.max, Int(Int32.max) + 1, 0, -1, Int.min] { BLASThreads.setThreads(count) }
        BLASThreads.setThreads(ComputeThreads.count)
        #expect(ComputeThreads.maximum >= 1)
    }
}
