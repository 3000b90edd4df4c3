import GridCore
import Synchronization

/// Chooses the algorithm for a geometry and caches prepared engines.
///
/// `.auto` compares estimated times (the idea of scipy's `choose_conv_method`) computed from
/// ``PlannerRates``: the rates calibrated on this processor and cached (`PlannerRatesCache`:
/// stored by `wconv bench calibrate`, or on the first `.auto` choice with
/// `WCONV_PLANNER_RATES=calibrate`), else the shipped
/// ones fitted on the development machine:
/// - direct: `flops / rate`, where the rate of the gathered matrix products grows with their rows
///   (`Cout/groups`) up to the machine's sustained speed (``PlannerRates/directRate(rows:)``);
/// - whole-signal FFT: `Σ transforms · fftCost · L·log₂L + products · channelProductCost · F`,
///   with `L = ∏` transform sizes, `F` complex frequencies, `B·Cin + B·Cout` transforms, the
///   `Cout·Cin/G` kernels' transforms or tap products, and `B·Cout·Cin/G` spectral products per
///   forward pass (`FFTCostModel`);
/// - FFT by blocks (overlap-save): the same per block, for the cheapest block size per axis
///   (`FFTCostModel.blocked(_:rates:)`);
/// - Winograd, for the layers it supports (``winogradSeconds(_:)``): its `α^N` products at a
///   share of the direct speed plus a cost per transformed tile value.
/// The same rates give the same choices. `wconv bench conv --method auto` prints which one
/// `.auto` picked next to both timings. `.measure` times one forward pass of each once per
/// geometry and keeps the faster.
package final class ConvolutionPlanner: Sendable {
    /// The process-wide planner (its rates loaded on the first `.auto` choice).
    package static let shared = ConvolutionPlanner()

    /// The rates given and where they come from, or `nil` until the first `.auto` choice loads them.
    private let chosenRates: Mutex<(rates: PlannerRates, origin: String)?>

    /// A planner on `rates`, or (`nil`) on this machine's (`PlannerRatesCache`, read on the first
    /// `.auto` choice).
    package init(rates: PlannerRates? = nil) {
        chosenRates = Mutex(rates.map { (rates: $0, origin: "given") })
    }

    /// The rates `.auto` runs on.
    package var rates: PlannerRates { loadedRates.rates }

    /// Where ``rates`` come from, e.g. `calibrated (cached in …)` or `shipped`.
    package var ratesOrigin: String { loadedRates.origin }

    private var loadedRates: (rates: PlannerRates, origin: String) {
        chosenRates.withLock { chosen in
            if let chosen { return chosen }
            let loaded = PlannerRatesCache.ratesForThisProcess()
            chosen = loaded
            return loaded
        }
    }

    /// Prepared engines by geometry and method, bounded by ``ConvolutionMemory/engineCacheLimit``.
    let engines = LeastRecentlyUsedCache<EngineKey, any ConvolutionEngine>(
        capacityInBytes: ConvolutionMemory.defaultEngineCacheLimit)
    /// The choices of `.measure`, one small entry per geometry (at most 4096 of them).
    private let measured = LeastRecentlyUsedCache<ConvolutionGeometry, ConvolutionMethod>(
        capacityInBytes: 4096 * LeastRecentlyUsedCache<ConvolutionGeometry, ConvolutionMethod>.minimumEntryBytes)

    struct EngineKey: Hashable, Sendable {
        let geometry: ConvolutionGeometry
        let method: ConvolutionMethod
    }

    /// The method that runs for `geometry` when `requested` is asked for (never `.auto`/`.measure`).
    package func method(for geometry: ConvolutionGeometry, requested: ConvolutionMethod) -> ConvolutionMethod {
        switch requested {
        case .direct, .fft: return requested
        case .winograd: return WinogradConvolution.supports(geometry) ? .winograd : .direct
        case .overlap: return FFTCostModel.blocked(geometry, rates: .shipped) != nil ? .overlap : method(for: geometry, requested: .auto)
        case .auto:
            let estimate = estimatedSeconds(geometry)
            let fft = FFTPlans.fitInMemory(geometry) ? estimate.fft : .infinity   // spectra that do not fit: never FFT
            let fastest = Swift.min(estimate.direct, fft, estimate.overlap)
            if WinogradConvolution.supports(geometry), winogradSeconds(geometry) < fastest { return .winograd }
            return fastest == estimate.direct ? .direct : fastest == fft ? .fft : .overlap
        case .measure:
            return measured.value(for: geometry) { (measureFaster(geometry), 0) }
        }
    }

    /// The estimated forward times of the direct, whole-signal FFT and blocked FFT paths, in
    /// seconds (infinite for a path that does not apply).
    package func estimatedSeconds(_ g: ConvolutionGeometry) -> (direct: Double, fft: Double, overlap: Double) {
        let rates = self.rates
        let direct = g.forwardFlops / rates.directRate(rows: Double(g.outChannels / g.groups))
        return (direct, FFTCostModel.wholeSeconds(g, rates: rates) ?? .infinity,
                FFTCostModel.blocked(g, rates: rates)?.seconds ?? .infinity)
    }

    /// The estimated forward time of the Winograd path (``WinogradConvolution``, default tile), in
    /// seconds: its `α^N` matrix products at the direct rate (less the share of packing their
    /// narrow depth costs) plus the tile transforms, `winogradTransformCost` per transformed
    /// value, and the kernel transforms, `winogradKernelCost` per transformed kernel value.
    /// Infinite for 5-tap kernels: the constants were fitted on 3-tap layers, and F(4, 5) measured
    /// slower than direct on the 1-D benchmark layer (`.winograd` and `.measure` still run it).
    package func winogradSeconds(_ g: ConvolutionGeometry) -> Double {
        let tile = WinogradConvolution.defaultTile(for: g), m = tile.outputs
        guard tile.taps == 3 else { return .infinity }
        let positions = Double(tile.positions(rank: g.spatialRank))
        let tiles = Double(g.outputSize.reduce(g.batch) { $0 * (($1 + m - 1) / m) })
        let cin = Double(g.inChannels), cout = Double(g.outChannels)
        let products = 2 * positions * tiles * cin * cout
        let rates = self.rates
        let rate = Swift.min(rates.directPeak, rates.directPerRow * cout) * rates.winogradProductShare
        let transforms = positions * tiles * (cin + cout) * rates.winogradTransformCost
        let kernels = positions * cin * cout * rates.winogradKernelCost
        return products / rate + transforms + kernels
    }

    /// A prepared engine for `geometry` and a concrete method, cached per geometry (least
    /// recently used engines dropped beyond ``ConvolutionMemory/engineCacheLimit``).
    package func engine(for geometry: ConvolutionGeometry, method: ConvolutionMethod) -> any ConvolutionEngine {
        engines.value(for: EngineKey(geometry: geometry, method: method)) {
            let engine: any ConvolutionEngine = switch method {
            case .fft: FFTConvolution(geometry: geometry)
            case .overlap: BlockedFFTConvolution(geometry: geometry, blockSize: FFTCostModel.blocked(geometry, rates: rates)!.blockSize)
            case .winograd: WinogradConvolution(geometry: geometry)
            default: DirectConvolution(geometry: geometry)
            }
            return (engine, engine.retainedBytes)
        }
    }

    /// Times one forward pass of each path on zeros (after a warm-up) and returns the faster.
    private func measureFaster(_ geometry: ConvolutionGeometry) -> ConvolutionMethod {
        let input = [Float](repeating: 0, count: geometry.inputShape.reduce(1, *))
        let kernel = [Float](repeating: 0, count: geometry.kernelShape.reduce(1, *))
        var output = [Float](repeating: 0, count: geometry.outputShape.reduce(1, *))
        var best: (ConvolutionMethod, Duration) = (.direct, .seconds(Int64.max))
        var candidates: [ConvolutionMethod] = [.direct]
        if FFTPlans.fitInMemory(geometry) { candidates.append(.fft) }   // spectra that do not fit: never FFT
        if FFTCostModel.blocked(geometry, rates: .shipped) != nil { candidates.append(.overlap) }
        if WinogradConvolution.supports(geometry) { candidates.append(.winograd) }
        for method in candidates {
            let engine = engine(for: geometry, method: method)
            let clock = ContinuousClock()
            var fastest = Duration.seconds(Int64.max)
            for _ in 0..<2 {
                let elapsed = clock.measure {
                    input.withUnsafeBufferPointer { x in
                        kernel.withUnsafeBufferPointer { k in
                            output.withUnsafeMutableBufferPointer { engine.forward(input: x, kernel: k, output: $0) }
                        }
                    }
                }
                fastest = Swift.min(fastest, elapsed)
            }
            if fastest < best.1 { best = (method, fastest) }
        }
        return best.0
    }
}
