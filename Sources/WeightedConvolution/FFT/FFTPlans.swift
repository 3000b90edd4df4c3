import CFFTW
import GridCore
import Synchronization

/// FFTW plans for real transforms of one size, created once and shared.
///
/// Planning and destroying plans are not thread-safe in FFTW, so every call to the planner goes
/// through one process-wide lock; executing a plan on new arrays (`fftwf_execute_dft_r2c` /
/// `_c2r`) is thread-safe, so transforms run concurrently without it. Plans are made with
/// `FFTW_ESTIMATE | FFTW_UNALIGNED` (no measuring at first use, any array alignment) and cached
/// by size and thread count (plans for more than one thread split each transform over FFTW's
/// threads: for single multi-dimensional signals, which leave the other workers idle); the cache keeps the most recently used plans up to ``cacheLimit`` bytes (estimated as
/// one complex value per real element) and destroys a dropped plan when no engine holds it.
final class FFTPlans: @unchecked Sendable {
    /// The transform size per axis (row-major; the last axis is halved in the spectrum).
    let size: [Int]
    /// The threads each transform is split over.
    let threads: Int
    /// Real elements of a signal, `∏ size`.
    let realCount: Int
    /// Complex elements of a spectrum, `∏ size[..<D-1] · (size[D-1]/2 + 1)`.
    let complexCount: Int
    private let forward: fftwf_plan
    private let inverse: fftwf_plan

    private init(size: [Int], threads: Int) {
        self.size = size
        self.threads = threads
        realCount = size.reduce(1, *)
        complexCount = realCount / size[size.count - 1] * (size[size.count - 1] / 2 + 1)
        let real = fftwf_alloc_real(realCount)!
        let complex = fftwf_alloc_complex(complexCount)!
        defer {
            fftwf_free(real)
            fftwf_free(complex)
        }
        let dims = size.map { Int32($0) }
        let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)
        fftwf_plan_with_nthreads(Int32(Self.threadsReady ? threads : 1))
        defer { fftwf_plan_with_nthreads(1) }
        forward = fftwf_plan_dft_r2c(Int32(size.count), dims, real, complex, flags)
        inverse = fftwf_plan_dft_c2r(Int32(size.count), dims, complex, real, flags | UInt32(FFTW_DESTROY_INPUT))
    }

    /// Whether FFTW's threads initialised (first read under the planner lock); without them
    /// every plan runs on one thread.
    private static let threadsReady = fftwf_init_threads() != 0

    deinit {
        Self.plannerLock.withLock { _ in
            fftwf_destroy_plan(forward)
            fftwf_destroy_plan(inverse)
        }
    }

    /// FFTW's planner is not thread-safe: creating and destroying plans take this lock.
    private static let plannerLock = Mutex(())

    /// The most bytes of plans the cache keeps (32 MiB).
    static let cacheLimit = 32 << 20

    private struct Key: Hashable, Sendable {
        let size: [Int]
        let threads: Int
    }

    private static let cache = LeastRecentlyUsedCache<Key, FFTPlans>(capacityInBytes: cacheLimit)

    /// The shared plans for `size` that split each transform over `threads` threads, created
    /// under the planner lock on first use.
    static func plans(for size: [Int], threads: Int = 1) -> FFTPlans {
        cache.value(for: Key(size: size, threads: threads)) {
            let plans = plannerLock.withLock { _ in FFTPlans(size: size, threads: threads) }
            return (plans, plans.realCount * 2 * MemoryLayout<Float>.stride)
        }
    }

    /// The spectrum of `real` (`realCount` values) into `spectrum` (`2·complexCount` floats,
    /// interleaved real and imaginary parts).
    func transform(_ real: UnsafeMutablePointer<Float>, into spectrum: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: complexCount) {
            fftwf_execute_dft_r2c(forward, real, $0)
        }
    }

    /// The unnormalised inverse (`realCount` times the signal) of `spectrum`, which is destroyed.
    func inverse(_ spectrum: UnsafeMutablePointer<Float>, into real: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: complexCount) {
            fftwf_execute_dft_c2r(inverse, $0, real)
        }
    }

    /// The smallest `n ≥ minimum` of the form 2^a·3^b·5^c·7^d, which FFTW transforms fastest,
    /// or `nil` when it would overflow `Int`. Enumerates the powers of 3, 5 and 7 and completes
    /// each with the smallest sufficient power of 2: O(log³ minimum), for any size.
    static func fastSize(_ minimum: Int) -> Int? {
        let target = Swift.max(1, minimum)
        var best: Int? = nil
        var p7 = 1
        while true {
            var p5 = p7
            while true {
                var p3 = p5
                while true {
                    var n = p3
                    while n < target {
                        let (doubled, overflow) = n.multipliedReportingOverflow(by: 2)
                        if overflow { break }
                        n = doubled
                    }
                    if n >= target { best = Swift.min(best ?? n, n) }
                    guard p3 < target, case (let next, false) = p3.multipliedReportingOverflow(by: 3) else { break }
                    p3 = next
                }
                guard p5 < target, case (let next, false) = p5.multipliedReportingOverflow(by: 5) else { break }
                p5 = next
            }
            guard p7 < target, case (let next, false) = p7.multipliedReportingOverflow(by: 7) else { break }
            p7 = next
        }
        return best
    }

    /// The transform sizes of a geometry, or `nil` when one overflows: per axis ``fastSize(_:)``
    /// of the shortest length whose circular correlation still gives every output — the input
    /// (placed after its low padding) must fit, `n + low`; the padded positions beyond it may wrap
    /// around onto the low padding but not onto the input, `n + high`; the outputs read and the
    /// dilated kernel must fit, `P − reach` and `reach + 1`. Shorter than the padded extent `P`
    /// when both sides are padded (`full` mode: `n + k − 1` instead of `n + 2(k − 1)`).
    static func sizes(for geometry: ConvolutionGeometry) -> [Int]? {
        let g = geometry
        let sizes = (0..<g.spatialRank).compactMap { a -> Int? in
            let n = g.inputSize[a], reach = g.dilation[a] * (g.kernelSize[a] - 1)
            return fastSize(Swift.max(n + Swift.max(g.padLow[a], g.padHigh[a]), g.paddedSize[a] - reach, reach + 1))
        }
        return sizes.count == geometry.spatialRank ? sizes : nil
    }

    /// Whether the FFT path's buffers for `geometry` (the spectra of every signal of its three
    /// sets — inputs, kernels, outputs — held together by the channel products, at the
    /// transform sizes) fit in memory.
    static func fitInMemory(_ geometry: ConvolutionGeometry) -> Bool {
        guard let size = sizes(for: geometry), let real = SizeLimits.product(size) else { return false }
        let g = geometry, inPerGroup = g.inChannels / g.groups
        // Channel and batch counts of existing tensors: their products and sum cannot overflow.
        let signals = g.batch * (g.inChannels + g.outChannels) + g.outChannels * inPerGroup
        let complex = real / size[size.count - 1] * (size[size.count - 1] / 2 + 1)
        guard let floats = SizeLimits.product([signals, 2, complex]) else { return false }
        return SizeLimits.fitsInMemory(count: floats, width: MemoryLayout<Float>.size)
    }
}
