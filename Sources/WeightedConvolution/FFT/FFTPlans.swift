import CFFTW
import Synchronization

/// FFTW plans for real transforms of one size, created once and shared.
///
/// Planning and destroying plans are not thread-safe in FFTW, so every call to the planner goes
/// through one process-wide lock; executing a plan on new arrays (`fftwf_execute_dft_r2c` /
/// `_c2r`) is thread-safe, so transforms run concurrently without it. Plans are made with
/// `FFTW_ESTIMATE | FFTW_UNALIGNED` (no measuring at first use, any array alignment) and kept for
/// the life of the process, cached by size.
final class FFTPlans: @unchecked Sendable {
    /// The transform size per axis (row-major; the last axis is halved in the spectrum).
    let size: [Int]
    /// Real elements of a signal, `∏ size`.
    let realCount: Int
    /// Complex elements of a spectrum, `∏ size[..<D-1] · (size[D-1]/2 + 1)`.
    let complexCount: Int
    private let forward: fftwf_plan
    private let inverse: fftwf_plan

    private init(size: [Int]) {
        self.size = size
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
        forward = fftwf_plan_dft_r2c(Int32(size.count), dims, real, complex, flags)
        inverse = fftwf_plan_dft_c2r(Int32(size.count), dims, complex, real, flags | UInt32(FFTW_DESTROY_INPUT))
    }

    private static let cache = Mutex<[[Int]: FFTPlans]>([:])

    /// The shared plans for `size`, created under the planner lock on first use.
    static func plans(for size: [Int]) -> FFTPlans {
        cache.withLock { cache in
            if let plans = cache[size] { return plans }
            let plans = FFTPlans(size: size)
            cache[size] = plans
            return plans
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

    /// The smallest `n ≥ minimum` of the form 2^a·3^b·5^c·7^d, which FFTW transforms fastest.
    static func fastSize(_ minimum: Int) -> Int {
        var n = Swift.max(1, minimum)
        while true {
            var m = n
            for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
            if m == 1 { return n }
            n += 1
        }
    }
}
