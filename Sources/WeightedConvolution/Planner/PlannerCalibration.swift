import GridCore

/// Measures ``PlannerRates`` on this processor in about two seconds: the
/// direct path's forward speed on layers with 1, 16, 32 and 128 output rows, then one Winograd
/// layer and two whole-signal FFT layers, whose model costs are scaled so that the model predicts
/// the times measured. Each figure is the median of several timed samples after a warm-up
/// (``CalibrationTiming``), on `ComputeThreads.count` threads.
///
/// The FFT model has two costs that grow differently with a layer's shape: its transforms
/// (`fftCost`, dominant on few channels and large kernels) and its channel products
/// (`channelProductCost`, dominant on many channels). One factor for both, fitted on one layer,
/// is wrong on the other kind: fitted on a 16-channel 7×7 layer it made the model predict
/// 64-channel 3×3 layers at less than half their time, and `.auto` took the FFT path there at
/// half Winograd's speed. So each cost gets its own factor, from a transform-heavy and a
/// product-heavy layer (two equations, two unknowns). The blocked FFT path's product cost is
/// scaled with the channel products; the FFT engine's own choice of computing kernel taps by
/// products keeps the shipped costs.
package enum PlannerCalibration {
    /// The layers timed, as (input, kernel) shapes with same padding.
    static let directLayers: [(rows: Double, input: [Int], kernel: [Int])] = [
        (1, [1, 1, 256, 256], [1, 1, 7, 7]),
        (16, [4, 16, 32, 32], [16, 16, 3, 3]),
        (32, [4, 32, 32, 32], [32, 32, 3, 3]),
        (128, [4, 64, 32, 32], [128, 64, 3, 3]),
    ]
    /// A training-sized 3×3 layer: a batch of 16, so that the kernel transforms, done once per pass,
    /// weigh in it as they do in training (at a batch of 4 they made Winograd look 2.5× dearer
    /// than it is on a batch of 64, and `.auto` left it for the direct path).
    static let winogradLayer = (input: [16, 64, 32, 32], kernel: [64, 64, 3, 3])
    /// A transform-heavy and a product-heavy layer for the FFT path.
    static let fftLayers = [(input: [2, 16, 64, 64], kernel: [16, 16, 7, 7]), winogradLayer]

    /// The rates measured on this machine, each layer timed by `timing`.
    package static func measure(timing: CalibrationTiming = .standard) throws -> PlannerRates {
        var speeds: [Double: Double] = [:]
        for layer in directLayers {
            let g = try ConvolutionGeometry(inputShape: layer.input, kernelShape: layer.kernel, options: .init(padding: .same))
            speeds[layer.rows] = g.forwardFlops / seconds(DirectConvolution(geometry: g), g, timing: timing)
        }
        return fitted(speeds: speeds, winograd: try measured(winogradLayer, timing) { WinogradConvolution(geometry: $0) },
                      fft: try fftLayers.map { try measured($0, timing) { FFTConvolution(geometry: $0) } })
    }

    /// The geometry of `layer` and the forward seconds of the engine `make` builds for it.
    private static func measured(
        _ layer: (input: [Int], kernel: [Int]), _ timing: CalibrationTiming, _ make: (ConvolutionGeometry) -> any ConvolutionEngine
    ) throws -> (ConvolutionGeometry, Double) {
        let g = try ConvolutionGeometry(inputShape: layer.input, kernelShape: layer.kernel, options: .init(padding: .same))
        return (g, seconds(make(g), g, timing: timing))
    }

    /// The shipped rates with the direct speeds by rows (`speeds[1]`, `[16]`, `[32]`, `[128]`,
    /// FLOP/s) and the Winograd and FFT costs scaled so that the model gives the seconds measured
    /// on their layers (`fft`: a transform-heavy layer first, then a product-heavy one; factors
    /// kept within 1/20…20).
    package static func fitted(
        speeds: [Double: Double], winograd: (ConvolutionGeometry, Double), fft: [(ConvolutionGeometry, Double)]
    ) -> PlannerRates {
        var rates = PlannerRates.shipped
        let one = speeds[1]!, sixteen = speeds[16]!, thirtyTwo = speeds[32]!, many = speeds[128]!
        rates.directPerRow = one
        rates.directPerRowBeyond = Swift.max(0.01 * one, (thirtyTwo - sixteen) / 16)
        rates.directBase = Swift.max(0.01 * one, sixteen - 16 * rates.directPerRowBeyond)
        rates.directPeak = Swift.max(many, thirtyTwo)
        let w = clamped(winograd.1 / ConvolutionPlanner(rates: rates).winogradSeconds(winograd.0))
        rates.winogradProductShare /= w
        rates.winogradTransformCost *= w
        rates.winogradKernelCost *= w
        let (transforms, products) = fftFactors(fft, rates: rates)
        rates.fftCost *= transforms
        rates.channelProductCost *= products
        rates.productCost *= products
        return rates
    }

    private static func clamped(_ factor: Double) -> Double { factor.isFinite ? Swift.min(20, Swift.max(0.05, factor)) : 1 }

    /// The factors for the FFT model's transform and channel-product costs that reproduce the
    /// seconds measured on `layers`. The model of a layer is `fixed + t·a + p·b` (`a`, `b` its
    /// transform and product parts at the current rates, `fixed` its kernel tap products): two
    /// layers give two equations. When they do not determine positive factors (one layer, or
    /// layers too alike), one common factor fits the sum of the layers.
    package static func fftFactors(_ layers: [(ConvolutionGeometry, Double)], rates: PlannerRates) -> (transforms: Double, products: Double) {
        func model(_ g: ConvolutionGeometry, _ rates: PlannerRates) -> Double { FFTCostModel.wholeSeconds(g, rates: rates) ?? .nan }
        var transformsDoubled = rates, productsDoubled = rates
        transformsDoubled.fftCost *= 2
        productsDoubled.channelProductCost *= 2
        let parts = layers.map { g, seconds in
            let base = model(g, rates), a = model(g, transformsDoubled) - base, b = model(g, productsDoubled) - base
            return (a: a, b: b, rest: seconds - (base - a - b))
        }
        if parts.count == 2 {
            let (p, q) = (parts[0], parts[1])
            let det = p.a * q.b - q.a * p.b
            let t = (p.rest * q.b - q.rest * p.b) / det, c = (p.a * q.rest - q.a * p.rest) / det
            if abs(det) > 1e-3 * abs(p.a * q.b), t > 0, c > 0 { return (clamped(t), clamped(c)) }
        }
        let common = clamped(parts.map(\.rest).reduce(0, +) / parts.map { $0.a + $0.b }.reduce(0, +))
        return (common, common)
    }

    /// The seconds of one forward pass of `engine`, by `timing`.
    private static func seconds(_ engine: any ConvolutionEngine, _ g: ConvolutionGeometry, timing: CalibrationTiming) -> Double {
        let input = [Float](repeating: 0.5, count: g.inputShape.reduce(1, *))
        let kernel = [Float](repeating: 0.01, count: g.kernelShape.reduce(1, *))
        var output = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        return timing.secondsPerCall(clock: CalibrationTiming.monotonicSeconds) {
            input.withUnsafeBufferPointer { x in
                kernel.withUnsafeBufferPointer { k in
                    output.withUnsafeMutableBufferPointer { engine.forward(input: x, kernel: k, output: $0) }
                }
            }
        }
    }
}
