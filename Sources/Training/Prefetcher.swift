import Datasets
import Dispatch
import Synchronization

/// Builds the next batch on a background thread while the current one trains, so that data
/// preparation (shuffling, augmentation, patches and noise) overlaps with compute.
///
/// Batches come out in order `0, 1, …`; each is started as soon as the previous one is taken.
final class Prefetcher<Item: Sendable>: Sendable {
    private let count: Int
    private let make: @Sendable (Int) -> Item
    private let queue = DispatchQueue(label: "batch prefetch")
    private let slot = Mutex<(index: Int, batch: Item?)>((0, nil))
    private let ready = DispatchSemaphore(value: 0)

    /// A prefetcher of `count` batches made by `make`; it starts on batch 0 at once.
    init(count: Int, make: @escaping @Sendable (Int) -> Item) {
        self.count = count
        self.make = make
        start(0)
    }

    private func start(_ index: Int) {
        guard index < count else { return }
        queue.async { [self] in
            let batch = make(index)
            slot.withLock { $0 = (index, batch) }
            ready.signal()
        }
    }

    /// The next batch (waiting for it if it is not built yet); starts building the one after.
    /// - Precondition: fewer than `count` batches were taken.
    func next() -> Item {
        ready.wait()
        let (index, batch) = slot.withLock { slot in
            defer { slot.batch = nil }
            return (slot.index, slot.batch!)
        }
        start(index + 1)
        return batch
    }
}
