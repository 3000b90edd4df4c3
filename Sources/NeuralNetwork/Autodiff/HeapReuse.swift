/// Keeps freed tensor memory in the process's heap so that the next training step reuses it.
///
/// A training step allocates and frees the same large buffers (activations, gradients) every
/// step. By default glibc serves large blocks straight from the kernel (`mmap`) and returns
/// freed memory at the top of the heap, so every step pays for fresh zeroed pages. Measured
/// with `wconv bench train` (two cores, alternating runs with and without): DnCNN steps went
/// from 1010–1115 ms to 945–951 ms; VGG-16 steps were unchanged. Peak memory stays the same;
/// the process keeps what it used at its peak instead of returning it between steps.
///
/// This changes a process-wide allocator setting, so it is the application's choice: `wconv`
/// and the examples call ``enable()`` at start-up.
public enum HeapReuse {
    /// Serves blocks up to 32 MiB (glibc's largest threshold) from the heap and never trims it.
    /// Returns whether the allocator accepted both settings (always `false` off glibc).
    @discardableResult
    public static func enable() -> Bool {
        #if os(Linux)
        let largestThreshold: Int32 = 32 * 1024 * 1024
        return mallopt(mmapThreshold, largestThreshold) == 1 && mallopt(trimThreshold, Int32.max) == 1
        #else
        return false
        #endif
    }

    /// `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`.
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3
}

#if os(Linux)
/// glibc's `mallopt` (declared in `<malloc.h>`, which the Glibc module does not export).
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
