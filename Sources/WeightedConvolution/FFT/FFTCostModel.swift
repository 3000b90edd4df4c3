import GridCore

/// Estimated forward times of the two FFT paths — whole-signal transforms (``FFTConvolution``)
/// and blocks (``BlockedFFTConvolution``) — and the block sizes of the second: the FFT half of
/// ``ConvolutionPlanner``'s choice, in the spirit of scipy's `choose_conv_method`.
///
/// A pass costs `transforms · fftCost · L·log₂L · cache(L) + products · productCost · F` (`L`
/// real values, `F` complex frequencies per transform; the whole-signal path's channel products
/// at ``channelProductCost``, its kernels by tap products where cheaper, ``tapProductCost``)
/// divided by the share of the compute threads its work items can occupy: a single 1-D signal's whole-signal transforms run on one
/// thread; multi-dimensional ones and a single signal's blocks on all of them. `cache(L)` is 1 for transforms whose
/// buffers fit in the second-level cache and ``outOfCacheFactor`` beyond.
///
/// `fftCost` (seconds per `L·log₂L` of one real transform, two threads), `productCost` (per
/// complex multiply-add of the blocked path's spectral products) and `channelProductCost` (per
/// complex multiply-add of the whole-signal path's channel products, ``SpectralBlocks``) come
/// from ``PlannerRates``: the shipped ones were fitted to the FFT timings of [8,32,64,64]·7×7
/// (16 ms) and [16,64,64,64]·3×3 (95 ms), predicting [64,128,16,16]·3×3 within 1 % and
/// [64,64,32,32]·3×3 within 30 %.
enum FFTCostModel {
    /// The cost of a transform of more than ``cachedValues`` real values per `L·log₂L`,
    /// relative to one that stays in cache: fitted to single-thread CPU times of the forward
    /// pass on 512² ⊛ 31² and 64³ ⊛ 15³ (2026-12-03, shared machine, best of 3 × 3): 0.63 ns
    /// per `L·log₂L` for the whole 560² and 80³ transforms, 0.54–0.57 for blocks of 128²–256²
    /// and 32³–48³ (forward and inverse together).
    static let outOfCacheFactor = 1.15
    /// The blocked path's cost relative to its transforms and products: the window loads, zeroing
    /// and copies of every block. It keeps near-ties on the whole-signal path: 64³ ⊛ 15³ in blocks
    /// of 48×80×80 (4 % cheaper by the model) took the same CPU time as the whole 80³ transform and
    /// 1.1–1.5× its wall time at two threads (same measurements as ``outOfCacheFactor``).
    static let blockOverhead = 1.1
    /// Real values of the largest transform taken to stay in cache (8 bytes each with its spectrum).
    static let cachedValues = 1 << 16

    /// The estimated forward time of the whole-signal FFT path, or `nil` when a transform size overflows.
    static func wholeSeconds(_ g: ConvolutionGeometry, rates: PlannerRates) -> Double? {
        guard let size = FFTPlans.sizes(for: g) else { return nil }
        let inPerGroup = g.inChannels / g.groups, kernels = Double(g.outChannels * inPerGroup)
        let taps = transformsTapsByProduct(g, size: size)
        let transforms = Double(g.batch) * Double(g.inChannels + g.outChannels) + (taps ? 0 : kernels)
        let products = Double(g.batch) * Double(g.outChannels) * Double(inPerGroup)
        // Multi-dimensional transforms of fewer signals than threads are split over FFTW's threads.
        let items = g.spatialRank > 1 ? ComputeThreads.count : g.batch * g.inChannels
        let kernelProducts = taps ? kernels * tapProducts(g, size: size) * tapProductCost : 0
        return kernelProducts + seconds(
            transforms: transforms, products: products, productCost: rates.channelProductCost, size: size,
            parallelItems: items, fftCost: rates.fftCost)
    }

    /// Seconds per multiply-add of the matrix products that transform the kernels and read the
    /// kernel gradient's taps from its spectra (``SpectralTaps``), two threads: the kernels of
    /// [8,32,64,64]·7×7 (1024 × 49 by 49 × 5056) took 6.5 ms of CPU time (same sitting as
    /// ``channelProductCost``), where their 1024 transforms took 37 ms.
    static let tapProductCost = 0.015e-9
    /// Floats of the tap matrix kept at most per engine (16 MiB).
    static let tapMatrixLimit = 4 << 20

    /// Whether the whole-signal path transforms its kernels and reads the kernel gradient's `k^d`
    /// taps by matrix products (`2·F·k^d` multiply-adds per kernel) rather than transforms
    /// (`L·log₂L` each): when the model finds the product cheaper and its matrices small.
    static func transformsTapsByProduct(_ g: ConvolutionGeometry, size: [Int]) -> Bool {
        let product = tapProducts(g, size: size)
        return product <= Double(tapMatrixLimit) && product * tapProductCost < transformSeconds(size, fftCost: PlannerRates.shipped.fftCost)
    }

    /// Multiply-adds of one kernel's tap product, `k^d · 2F` (also the floats of its matrix).
    private static func tapProducts(_ g: ConvolutionGeometry, size: [Int]) -> Double {
        Double(g.kernelSize.reduce(1, *)) * 2 * frequencies(size)
    }

    /// Complex frequencies of a real transform of `size` (the last axis halved).
    private static func frequencies(_ size: [Int]) -> Double {
        size.dropLast().reduce(1.0) { $0 * Double($1) } * Double(size.last! / 2 + 1)
    }

    /// The estimated time of one real transform of `size` on all threads, `fftCost · cache(L) · L·log₂L`.
    private static func transformSeconds(_ size: [Int], fftCost: Double) -> Double {
        let length = size.reduce(1.0) { $0 * Double($1) }
        return fftCost * (length > Double(cachedValues) ? outOfCacheFactor : 1) * length * Swift.max(1, log2(length))
    }

    /// The blocked path's choice for one geometry.
    struct BlockChoice: Sendable {
        let blockSize: [Int]
        let seconds: Double
    }

    /// A geometry and the rates its block choice was estimated with.
    private struct ChoiceKey: Hashable, Sendable {
        let geometry: ConvolutionGeometry
        let rates: PlannerRates
    }

    /// The choices of ``blocked(_:rates:)``, one small entry per geometry and rates (at most 4096
    /// of them): every `.auto` convolution asks, and a 3-D geometry tries a few thousand block sizes.
    private static let choices = LeastRecentlyUsedCache<ChoiceKey, BlockChoice?>(
        capacityInBytes: 4096 * LeastRecentlyUsedCache<ChoiceKey, BlockChoice?>.minimumEntryBytes)

    /// The cheapest transform size per axis for the blocked path and its estimated forward
    /// time with `rates`, or `nil` when the path does not apply
    /// (``BlockedFFTConvolution/supports(_:)``) or its buffers would not fit in memory (cached
    /// per geometry and rates).
    static func blocked(_ g: ConvolutionGeometry, rates: PlannerRates) -> BlockChoice? {
        choices.value(for: ChoiceKey(geometry: g, rates: rates)) { (cheapestBlocks(g, rates: rates), 0) }
    }

    /// ``blocked(_:rates:)`` computed: per axis the candidates are `2ᵃ`, `3·2ᵃ` and `5·2ᵃ` above the
    /// reach, up to the whole padded extent, and every combination is estimated.
    private static func cheapestBlocks(_ g: ConvolutionGeometry, rates: PlannerRates) -> BlockChoice? {
        guard BlockedFFTConvolution.supports(g) else { return nil }
        let reach = (0..<g.spatialRank).map { g.dilation[$0] * (g.kernelSize[$0] - 1) }
        // Per axis: (transform size, blocks along the axis) for every candidate size.
        var candidates: [[(size: Int, blocks: Int)]] = []
        for a in 0..<g.spatialRank {
            guard let whole = FFTPlans.fastSize(g.outputSize[a] + reach[a]) else { return nil }
            var sizes = Set([whole])
            for base in [2, 3, 5] {
                var n = base
                while n < whole {
                    if n > reach[a] + 1 { sizes.insert(n) }
                    n *= 2
                }
            }
            let step = { (n: Int) in n - reach[a] }
            candidates.append(sizes.sorted().map { ($0, (g.outputSize[a] + step($0) - 1) / step($0)) })
        }
        let inPerGroup = g.inChannels / g.groups, kernels = Double(g.outChannels * inPerGroup)
        var best: BlockChoice? = nil
        var index = [Int](repeating: 0, count: g.spatialRank)
        while true {
            let choice = (0..<g.spatialRank).map { candidates[$0][index[$0]] }
            let items = g.batch * choice.reduce(1) { $0 * $1.blocks }
            let transforms = Double(items) * Double(g.inChannels + g.outChannels) + kernels
            let products = Double(items) * Double(g.outChannels * inPerGroup)
            let size = choice.map(\.size)
            let estimate = blockOverhead * seconds(
                transforms: transforms, products: products, productCost: rates.productCost, size: size,
                parallelItems: items, fftCost: rates.fftCost)
            if estimate < best?.seconds ?? .infinity, fitsInMemory(g, blockSize: size) {
                best = BlockChoice(blockSize: size, seconds: estimate)
            }
            var a = g.spatialRank - 1
            while a >= 0 {
                index[a] += 1
                if index[a] < candidates[a].count { break }
                index[a] = 0
                a -= 1
            }
            if a < 0 { return best }
        }
    }

    /// The estimated time of `transforms` real transforms of `size` at `fftCost` per
    /// `L·log₂L` and `products` spectral products of `productCost` per frequency, with work items
    /// that occupy `min(threads, parallelItems)` threads.
    static func seconds(
        transforms: Double, products: Double, productCost: Double, size: [Int], parallelItems: Int, fftCost: Double
    ) -> Double {
        let threads = Double(ComputeThreads.count)
        let occupancy = Swift.min(threads, Double(Swift.max(1, parallelItems))) / threads
        let work = transforms * transformSeconds(size, fftCost: fftCost) + products * productCost * frequencies(size)
        return work / occupancy
    }

    /// Whether the blocked path's largest buffer fits in memory: the kernel gradient's sums of
    /// spectra, one set of `Cout·Cin/G` per worker.
    static func fitsInMemory(_ g: ConvolutionGeometry, blockSize: [Int]) -> Bool {
        guard let real = SizeLimits.product(blockSize) else { return false }
        let complex = real / blockSize[blockSize.count - 1] * (blockSize[blockSize.count - 1] / 2 + 1)
        let kernels = g.outChannels * (g.inChannels / g.groups)
        guard let floats = SizeLimits.product([ComputeThreads.count, kernels, 2, complex]) else { return false }
        return SizeLimits.fitsInMemory(count: floats, width: MemoryLayout<Float>.size)
    }

    /// `log₂ x`, piecewise linear between powers of two (enough for a cost model).
    static func log2(_ x: Double) -> Double {
        var value = x, result = 0.0
        while value >= 2 { value /= 2; result += 1 }
        return result + (value - 1)
    }
}
