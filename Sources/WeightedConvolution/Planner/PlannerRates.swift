/// The rates `.auto`'s cost model runs on (``ConvolutionPlanner``, `FFTCostModel`): speeds of
/// the direct path by the rows of its matrix products, and costs per unit of work of the
/// Winograd and FFT paths.
///
/// ``shipped`` holds the values fitted on the development machine; a calibration
/// (`PlannerCalibration`) measures them on the processor at hand, and `PlannerRatesCache` keeps
/// them per processor model, instruction-set tier and build. The same rates always give the
/// same choices.
package struct PlannerRates: Codable, Hashable, Sendable {
    /// Sustained direct speed, FLOP/s (many rows).
    package var directPeak: Double
    /// Direct speed per output row of the product, FLOP/s (one row: the line products).
    package var directPerRow: Double
    /// Beyond a few rows the direct speed rises as `directBase + directPerRowBeyond · rows`, FLOP/s.
    package var directBase: Double
    /// See ``directBase``.
    package var directPerRowBeyond: Double
    /// The Winograd products' speed relative to the direct speed.
    package var winogradProductShare: Double
    /// Seconds per transformed Winograd tile value (input and output).
    package var winogradTransformCost: Double
    /// Seconds per transformed Winograd kernel value.
    package var winogradKernelCost: Double
    /// Seconds per `L·log₂L` of one real FFT.
    package var fftCost: Double
    /// Seconds per complex multiply-add of the blocked FFT path's spectral products.
    package var productCost: Double
    /// Seconds per complex multiply-add of the whole-signal FFT path's channel products.
    package var channelProductCost: Double

    /// The rates fitted on the development machine (2-core AMD EPYC, AVX-512, OpenBLAS 0.3.21,
    /// FFTW 3.3.10; `Docs/Performance.md`): used when no calibration applies. The direct peak
    /// depends on the matrix-product kernel of the active instruction-set tier: 360 GFLOP/s
    /// with the own AVX-512 product reading the column matrix in place (368–447 forward on the
    /// 2-D benchmark layers, 250 on the 1-D and 272–286 on the 3-D one), 200 with OpenBLAS
    /// (165–218 with its Haswell kernels). 27–46 GFLOP/s with one row; 127–133 with 16 rows and
    /// 189 with 32 (quiet machine, 2026-12-03). Winograd: fitted so that F(4×4, 3×3) costs 0.55×
    /// the direct path on [16,64,64,64]·3×3·64 and [64,128,16,16]·3×3·128 (0.52–0.66× measured);
    /// its kernel transforms took 16 ms of CPU time for a 512 × 512 layer. FFT: fitted to
    /// [8,32,64,64]·7×7 (16 ms) and [16,64,64,64]·3×3 (95 ms); the channel products took 3.3 ms
    /// for the 8·32·32·2520 multiply-adds of the first.
    package static let shipped = PlannerRates(
        directPeak: MatrixProductKernel.preferred == .packedAVX512 ? 360e9 : 200e9, directPerRow: 35e9,
        directBase: 70e9, directPerRowBeyond: 3.7e9, winogradProductShare: 0.8, winogradTransformCost: 0.17e-9,
        winogradKernelCost: 0.8e-9, fftCost: 0.09e-9, productCost: 0.35e-9, channelProductCost: 0.15e-9)

    /// The direct path's speed in FLOP/s for products of `rows` output rows:
    /// `min(directPeak, directPerRow · rows, directBase + directPerRowBeyond · rows)`.
    package func directRate(rows: Double) -> Double {
        Swift.min(directPeak, directPerRow * rows, directBase + directPerRowBeyond * rows)
    }

    /// Every rate with its name and unit, in declaration order.
    package var named: [(name: String, value: Double, unit: String)] {
        [
            ("directPeak", directPeak, "FLOP/s"), ("directPerRow", directPerRow, "FLOP/s"),
            ("directBase", directBase, "FLOP/s"), ("directPerRowBeyond", directPerRowBeyond, "FLOP/s"),
            ("winogradProductShare", winogradProductShare, ""), ("winogradTransformCost", winogradTransformCost, "s"),
            ("winogradKernelCost", winogradKernelCost, "s"), ("fftCost", fftCost, "s"),
            ("productCost", productCost, "s"), ("channelProductCost", channelProductCost, "s"),
        ]
    }

    /// Whether every rate is finite and within a thousandfold of the shipped one (a cache file
    /// that says otherwise is refused).
    package var isPlausible: Bool {
        zip(named, Self.shipped.named).allSatisfy { mine, shipped in
            mine.value.isFinite && mine.value > shipped.value / 1000 && mine.value < shipped.value * 1000
        }
    }
}
