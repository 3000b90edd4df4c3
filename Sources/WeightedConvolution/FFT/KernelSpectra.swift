import GridCore
import Synchronization

/// The spectra of the last kernel an FFT engine's forward pass transformed, kept so that calls
/// with an unchanged kernel (a signal filtered by the same kernel again and again, inference)
/// skip the kernel's transforms.
///
/// A call compares its kernel with the cached copy value by value (a pass over the kernel, far
/// cheaper than its transforms) and reuses the spectra only when every value is identical, so a
/// changed kernel is never served stale spectra. Kernels whose spectra would exceed
/// ``limitInFloats`` are not cached. Concurrent calls are safe: an entry is immutable once
/// published and stays alive while a call holds it.
final class KernelSpectra: Sendable {
    /// Floats of spectra kept at most (64 MiB).
    static let limitInFloats = 16 << 20

    /// A kernel and its spectra, written once before being published.
    final class Entry: @unchecked Sendable {
        let kernel: [Float]
        let spectra: UnsafeMutableBufferPointer<Float>

        init(kernel: [Float], spectraCount: Int) {
            self.kernel = kernel
            spectra = .allocate(capacity: spectraCount)
        }

        deinit { spectra.deallocate() }
    }

    private let last = Mutex<Entry?>(nil)

    /// Calls `body` with the spectra of `kernel` (`spectraCount` floats), computing them with
    /// `transform(kernel, into: spectra)` unless the cached kernel is identical.
    func withSpectra<R>(
        of kernel: UnsafeBufferPointer<Float>, spectraCount: Int,
        transform: (UnsafeBufferPointer<Float>, UnsafeMutablePointer<Float>) -> Void,
        _ body: (UnsafePointer<Float>) -> R
    ) -> R {
        guard spectraCount <= Self.limitInFloats else {
            return WorkspaceCache.shared.withBuffer(count: spectraCount) { spectra in
                transform(kernel, spectra.baseAddress!)
                return body(spectra.baseAddress!)
            }
        }
        let cached = last.withLock { $0 }
        if let cached, cached.kernel.elementsEqual(kernel) { return body(cached.spectra.baseAddress!) }
        let entry = Entry(kernel: Array(kernel), spectraCount: spectraCount)
        transform(kernel, entry.spectra.baseAddress!)
        last.withLock { $0 = entry }
        return body(entry.spectra.baseAddress!)
    }
}
