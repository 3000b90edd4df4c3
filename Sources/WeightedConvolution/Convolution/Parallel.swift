import Dispatch

/// Calls `body(i)` for `i` in `0..<count` on up to `count` threads at once and returns when all
/// calls have returned.
///
/// The calls may run concurrently, so `body` must only write memory that is disjoint per index
/// (it may capture raw pointers, which the compiler cannot check: that is the caller's duty).
func concurrentPerform(_ count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(value: body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
}

/// A value handed to concurrent code whose thread safety the caller guarantees.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
