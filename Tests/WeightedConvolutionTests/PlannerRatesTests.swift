import Foundation
import Testing
import TestSupport
import WeightedConvolution

/// The planner's rates: injected rates decide `.auto` deterministically, the cache refuses what
/// it cannot trust, and a process can be kept from calibrating. No test depends on timing.
@Suite struct PlannerRatesTests {
    static let geometries: [ConvolutionGeometry] = {
        let layers: [([Int], [Int])] = [
            ([16, 64, 64, 64], [64, 64, 3, 3]), ([64, 128, 16, 16], [128, 128, 3, 3]), ([8, 32, 64, 64], [32, 32, 7, 7]),
            ([32, 16, 4096], [16, 16, 5]), ([4, 16, 32, 32, 32], [16, 16, 3, 3, 3]), ([1, 1, 256, 256], [1, 1, 31, 31]),
            ([1, 512, 4, 4], [512, 512, 3, 3]),
        ]
        return layers.map { try! ConvolutionGeometry(inputShape: $0.0, kernelShape: $0.1, options: .init(padding: .same)) }
    }()

    static func plan(_ rates: PlannerRates) -> [ConvolutionMethod] {
        let planner = ConvolutionPlanner(rates: rates)
        return geometries.map { planner.method(for: $0, requested: .auto) }
    }

    /// The same rates give the same plan (from separate planners), and the rates do decide it:
    /// Winograd transforms a hundred times dearer leave the 3×3 layers to the direct path, and
    /// transforms a hundred times cheaper give more layers to the FFT.
    @Test func sameRatesGiveTheSamePlan() {
        let shipped = Self.plan(.shipped)
        #expect(Self.plan(.shipped) == shipped)
        #expect(shipped[0] == .winograd)
        var dearWinograd = PlannerRates.shipped
        dearWinograd.winogradTransformCost *= 100
        #expect(Self.plan(dearWinograd)[0] == .direct)
        #expect(Self.plan(dearWinograd) == Self.plan(dearWinograd))
        var cheapFFT = PlannerRates.shipped
        cheapFFT.fftCost /= 100
        cheapFFT.channelProductCost /= 100
        cheapFFT.productCost /= 100
        let fftPlan = Self.plan(cheapFFT)
        #expect(fftPlan.filter { $0 == .fft || $0 == .overlap }.count > shipped.filter { $0 == .fft || $0 == .overlap }.count)
    }

    /// Fitting calibration figures is a pure function of them: measured direct speeds become the
    /// direct rates, and the Winograd and FFT costs scale to reproduce the times given — the FFT
    /// model on both of its layers, a transform-heavy and a product-heavy one.
    @Test func calibrationFitIsDeterministic() throws {
        let w = try ConvolutionGeometry(inputShape: [4, 64, 32, 32], kernelShape: [64, 64, 3, 3], options: .init(padding: .same))
        let f = try ConvolutionGeometry(inputShape: [2, 16, 64, 64], kernelShape: [16, 16, 7, 7], options: .init(padding: .same))
        let speeds: [Double: Double] = [1: 20e9, 16: 100e9, 32: 150e9, 128: 300e9]
        // FFT times of a processor whose transforms take half the shipped cost and products 1.2×.
        var truth = PlannerRates.shipped
        (truth.fftCost, truth.channelProductCost) = (truth.fftCost / 2, truth.channelProductCost * 1.2)
        let (tf, tw) = (ConvolutionPlanner(rates: truth).estimatedSeconds(f).fft, ConvolutionPlanner(rates: truth).estimatedSeconds(w).fft)
        let rates = PlannerCalibration.fitted(speeds: speeds, winograd: (w, 0.004), fft: [(f, tf), (w, tw)])
        #expect(rates == PlannerCalibration.fitted(speeds: speeds, winograd: (w, 0.004), fft: [(f, tf), (w, tw)]))
        #expect(rates.directPerRow == 20e9 && rates.directPeak == 300e9)
        #expect(abs(rates.directRate(rows: 16) - 100e9) < 1 && abs(rates.directRate(rows: 32) - 150e9) < 1)
        let planner = ConvolutionPlanner(rates: rates)
        #expect(abs(planner.winogradSeconds(w) / 0.004 - 1) < 1e-9)
        #expect(abs(planner.estimatedSeconds(f).fft / tf - 1) < 1e-6)
        #expect(abs(planner.estimatedSeconds(w).fft / tw - 1) < 1e-6)
        #expect(rates.isPlausible)
    }

    /// The FFT model's two costs get their own factors: a processor whose transforms are fast but
    /// whose channel products are not (as measured on an AMD EPYC Zen 4) must not have the FFT
    /// path predicted cheap on channel-heavy 3×3 layers. One common factor fitted on the 7×7
    /// layer alone would predict the 3×3 layer at a third of its time.
    @Test func fftTransformAndProductCostsAreFittedApart() throws {
        let f = try ConvolutionGeometry(inputShape: [2, 16, 64, 64], kernelShape: [16, 16, 7, 7], options: .init(padding: .same))
        let w = try ConvolutionGeometry(inputShape: [4, 64, 32, 32], kernelShape: [64, 64, 3, 3], options: .init(padding: .same))
        // Times of a processor with transforms 3× cheaper and products 1.5× dearer than shipped.
        var truth = PlannerRates.shipped
        truth.fftCost /= 3
        truth.channelProductCost *= 1.5
        let time = { (g: ConvolutionGeometry) in ConvolutionPlanner(rates: truth).estimatedSeconds(g).fft }
        let (t, p) = PlannerCalibration.fftFactors([(f, time(f)), (w, time(w))], rates: .shipped)
        #expect(abs(t - 1.0 / 3) < 1e-6 && abs(p - 1.5) < 1e-6, "\(t), \(p)")
        let (one, same) = PlannerCalibration.fftFactors([(f, time(f))], rates: .shipped)
        #expect(one == same && one < 1, "a single layer gives one common factor")
        // That common factor under-predicts the 3×3 layer; the two factors predict it.
        var common = PlannerRates.shipped
        common.fftCost *= one
        common.channelProductCost *= one
        #expect(ConvolutionPlanner(rates: common).estimatedSeconds(w).fft < 0.8 * time(w))
    }

    /// A cache file round-trips; one that is not JSON, is for another build or holds implausible
    /// rates is refused; a missing one is missing.
    @Test func cacheRefusesWhatItCannotTrust() throws {
        let folder = NSTemporaryDirectory() + "wconv-planner-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var key = PlannerRatesCache.Entry(processor: "Test CPU", tier: "avx2", threads: 2, build: "1-2", rates: .shipped)
        #expect(PlannerRatesCache.load(key, folder: folder) == .missing)
        key.rates.directPeak = 123e9
        try PlannerRatesCache.store(key, folder: folder)
        #expect(PlannerRatesCache.load(key, folder: folder) == .found(key.rates))
        var otherBuild = key
        otherBuild.build = "3-4"
        try FileManager.default.copyItem(
            atPath: PlannerRatesCache.path(for: key, folder: folder), toPath: PlannerRatesCache.path(for: otherBuild, folder: folder))
        guard case .refused = PlannerRatesCache.load(otherBuild, folder: folder) else { Issue.record("another build's rates taken"); return }
        let path = PlannerRatesCache.path(for: key, folder: folder)
        try Data("{\"processor\": \"Test CPU\", truncated".utf8).write(to: URL(fileURLWithPath: path))
        guard case .refused = PlannerRatesCache.load(key, folder: folder) else { Issue.record("corrupt file taken"); return }
        var wild = key
        wild.rates.fftCost = 1e30
        try PlannerRatesCache.store(wild, folder: folder)
        guard case .refused = PlannerRatesCache.load(key, folder: folder) else { Issue.record("implausible rates taken"); return }
    }

    /// `WCONV_PLANNER_RATES=cached` with an empty cache never measures and writes nothing;
    /// `calibrate` with a cache that cannot be written warns once and keeps the shipped rates.
    @Test(.enabled(if: BuiltWconv.exists && !isDebugBuild, "needs a release wconv beside the tests"))
    func childProcessesChooseTheirRates() throws {
        let folder = NSTemporaryDirectory() + "wconv-planner-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cached = try Self.show(source: "cached", cache: folder)
        #expect(cached.out.contains("planner rates: shipped") && !cached.errors.contains("calibrating"), "\(cached)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/wconv"))
        let unwritable = try Self.show(source: "calibrate", cache: "/proc/wconv-no-such-folder")
        #expect(unwritable.out.contains("planner rates: shipped"), "\(unwritable)")
        #expect(unwritable.errors.split(separator: "\n").filter { $0.contains("cannot keep") }.count == 1, "\(unwritable.errors)")
    }

    /// Output and error of `wconv bench calibrate --show` with the rates source and cache folder.
    static func show(source: String, cache: String) throws -> (out: String, errors: String) {
        let run = try BuiltWconv.run(
            ["bench", "calibrate", "--show", "--threads", "2"],
            environment: [PlannerRatesCache.sourceVariable: source, "XDG_CACHE_HOME": cache])
        #expect(run.status == 0, "\(run.errors)")
        return (run.out, run.errors)
    }
}
