import GridCore
import Synchronization

/// Chooses the algorithm for a geometry and caches prepared engines.
///
/// `.auto` compares estimated times (the idea of scipy's `choose_conv_method`), with
/// constants measured with `wconv bench conv` on the development machine (2-core AMD EPYC,
/// AVX-512, OpenBLAS 0.3.21, FFTW 3.3.10):
/// - direct: `flops / rate`, where the rate of the gathered matrix products grows with their rows
///   (`Cout/groups`) up to the machine's sustained speed:
///   `rate = min(directPeak, directPerRow · rows, directBase + directPerRowBeyond · rows)`;
/// - whole-signal FFT: `Σ transforms · fftCost · L·log₂L + products · channelProductCost · F`,
///   with `L = ∏` transform sizes, `F` complex frequencies, `B·Cin + B·Cout` transforms, the
///   `Cout·Cin/G` kernels' transforms or tap products, and `B·Cout·Cin/G` spectral products per
///   forward pass (`FFTCostModel`);
/// - FFT by blocks (overlap-save): the same per block, for the cheapest block size per axis
///   (`FFTCostModel.blocked(_:)`);
/// - Winograd, for the layers it supports (``winogradSeconds(_:)``): its `α^N` products at a
///   share of the direct speed plus a cost per transformed tile value.
/// `wconv bench conv --method auto` prints which one `.auto` picked next to both timings.
/// `.measure` times one forward pass of each once per geometry and keeps the faster.
package final class ConvolutionPlanner: Sendable {
    /// The process-wide planner.
    package static let shared = ConvolutionPlanner()

    /// Sustained direct speed, FLOP/s. With the own AVX-512 matrix product reading the column
    /// matrix in place: 368–447 GFLOP/s forward on the 2-D benchmark layers ([8,32,64,64]·7×7 the
    /// lowest), 250 on the 1-D and 272–286 on the 3-D one; with OpenBLAS (Haswell kernels, as this
    /// machine's environment forces; measured with the earlier im2col engine, whose packing the
    /// dense copy of the gathered matrix repeats): 165–218 on the 1-D and 2-D layers.
    static let directPeak = MatrixProductKernel.preferred == .packedAVX512 ? 360e9 : 200e9
    /// Direct speed per output row of the product, FLOP/s (measured 27–46 GFLOP/s with one row, the
    /// line products: single-channel 1-D, 2-D and 3-D signals with large kernels).
    static let directPerRow = 35e9
    /// Beyond a few rows the direct speed rises more slowly, `directBase + directPerRowBeyond · rows`:
    /// fitted to the quiet-machine figures of `Docs/Performance.md` (2026-12-03), 127–133 GFLOP/s
    /// with 16 rows (1-D k5 and 3-D 3³ layers) and 189 with 32 ([8,32,64,64]·7×7).
    static let directBase = 70e9
    /// See ``directBase``.
    static let directPerRowBeyond = 3.7e9
    /// The Winograd products' speed relative to `directPeak` (depth = the input channels, width =
    /// a block of tiles) and the cost of its tile transforms, seconds per transformed value (input
    /// and output, two threads): fitted so that F(4×4, 3×3) costs 0.55× the direct path on
    /// [16,64,64,64]·3×3·64 and [64,128,16,16]·3×3·128, as measured in process CPU time per call
    /// (0.52–0.66× on the three 3×3 `wconv bench conv` layers, 2026-12-03, a shared machine).
    static let winogradProductShare = 0.8
    /// See ``winogradProductShare``.
    static let winogradTransformCost = 0.17e-9
    /// Seconds per transformed kernel value (`α²` per kernel, two threads; memory-bound): the
    /// transforms of a 512 × 512 layer's kernels took 16 ms of CPU time for F(4×4, 3×3).
    static let winogradKernelCost = 0.8e-9

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
        case .overlap: return FFTCostModel.blocked(geometry) != nil ? .overlap : method(for: geometry, requested: .auto)
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
        let rows = Double(g.outChannels / g.groups)
        let rate = Swift.min(Self.directPeak, Self.directPerRow * rows, Self.directBase + Self.directPerRowBeyond * rows)
        let direct = g.forwardFlops / rate
        return (direct, FFTCostModel.wholeSeconds(g) ?? .infinity, FFTCostModel.blocked(g)?.seconds ?? .infinity)
    }

    /// The estimated forward time of the Winograd path (``WinogradConvolution``, default tile), in
    /// seconds: its `α^N` matrix products at `directPeak` (less the share of packing their narrow
    /// depth costs) plus the tile transforms, `winogradTransformCost` per transformed value, and
    /// the kernel transforms, `winogradKernelCost` per transformed kernel value.
    /// Infinite for 5-tap kernels: the constants were fitted on 3-tap layers, and F(4, 5) measured
    /// slower than direct on the 1-D benchmark layer (`.winograd` and `.measure` still run it).
    package func winogradSeconds(_ g: ConvolutionGeometry) -> Double {
        let tile = WinogradConvolution.defaultTile(for: g), m = tile.outputs
        guard tile.taps == 3 else { return .infinity }
        let positions = Double(tile.positions(rank: g.spatialRank))
        let tiles = Double(g.outputSize.reduce(g.batch) { $0 * (($1 + m - 1) / m) })
        let cin = Double(g.inChannels), cout = Double(g.outChannels)
        let products = 2 * positions * tiles * cin * cout
        let rate = Swift.min(Self.directPeak, Self.directPerRow * cout) * Self.winogradProductShare
        let transforms = positions * tiles * (cin + cout) * Self.winogradTransformCost
        let kernels = positions * cin * cout * Self.winogradKernelCost
        return products / rate + transforms + kernels
    }

    /// A prepared engine for `geometry` and a concrete method, cached per geometry (least
    /// recently used engines dropped beyond ``ConvolutionMemory/engineCacheLimit``).
    package func engine(for geometry: ConvolutionGeometry, method: ConvolutionMethod) -> any ConvolutionEngine {
        engines.value(for: EngineKey(geometry: geometry, method: method)) {
            let engine: any ConvolutionEngine = switch method {
            case .fft: FFTConvolution(geometry: geometry)
            case .overlap: BlockedFFTConvolution(geometry: geometry, blockSize: FFTCostModel.blocked(geometry)!.blockSize)
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
        if FFTCostModel.blocked(geometry) != nil { candidates.append(.overlap) }
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
