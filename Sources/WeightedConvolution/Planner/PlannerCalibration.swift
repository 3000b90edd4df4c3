import GridCore

/// Measures ``PlannerRates`` on this processor in under a second: the
/// direct path's forward speed on layers with 1, 16, 32 and 128 output rows, then one Winograd
/// and one whole-signal FFT layer, whose model costs are scaled so that the model predicts the
/// time measured. Each figure is the best of three timed forward passes after a warm-up, on
/// `ComputeThreads.count` threads.
///
/// The blocked FFT path's product cost is scaled with the whole-signal path's costs; the FFT
/// engine's own choice of computing kernel taps by products keeps the shipped costs.
package enum PlannerCalibration {
    /// The layers timed, as (input, kernel) shapes with same padding.
    static let directLayers: [(rows: Double, input: [Int], kernel: [Int])] = [
        (1, [1, 1, 256, 256], [1, 1, 7, 7]),
        (16, [4, 16, 32, 32], [16, 16, 3, 3]),
        (32, [4, 32, 32, 32], [32, 32, 3, 3]),
        (128, [4, 64, 32, 32], [128, 64, 3, 3]),
    ]
    static let winogradLayer = (input: [4, 64, 32, 32], kernel: [64, 64, 3, 3])
    static let fftLayer = (input: [2, 16, 64, 64], kernel: [16, 16, 7, 7])

    /// The rates measured on this machine.
    package static func measure() throws -> PlannerRates {
        var speeds: [Double: Double] = [:]
        for layer in directLayers {
            let g = try ConvolutionGeometry(inputShape: layer.input, kernelShape: layer.kernel, options: .init(padding: .same))
            speeds[layer.rows] = g.forwardFlops / bestSeconds(DirectConvolution(geometry: g), g)
        }
        return fitted(speeds: speeds, winograd: try measured(winogradLayer) { WinogradConvolution(geometry: $0) },
                      fft: try measured(fftLayer) { FFTConvolution(geometry: $0) })
    }

    /// The geometry of `layer` and the best forward seconds of the engine `make` builds for it.
    private static func measured(
        _ layer: (input: [Int], kernel: [Int]), _ make: (ConvolutionGeometry) -> any ConvolutionEngine
    ) throws -> (ConvolutionGeometry, Double) {
        let g = try ConvolutionGeometry(inputShape: layer.input, kernelShape: layer.kernel, options: .init(padding: .same))
        return (g, bestSeconds(make(g), g))
    }

    /// The shipped rates with the direct speeds by rows (`speeds[1]`, `[16]`, `[32]`, `[128]`,
    /// FLOP/s) and the Winograd and FFT costs scaled so that the model gives the seconds measured
    /// on their layers (factors kept within 1/20…20).
    package static func fitted(
        speeds: [Double: Double], winograd: (ConvolutionGeometry, Double), fft: (ConvolutionGeometry, Double)
    ) -> PlannerRates {
        var rates = PlannerRates.shipped
        let one = speeds[1]!, sixteen = speeds[16]!, thirtyTwo = speeds[32]!, many = speeds[128]!
        rates.directPerRow = one
        rates.directPerRowBeyond = Swift.max(0.01 * one, (thirtyTwo - sixteen) / 16)
        rates.directBase = Swift.max(0.01 * one, sixteen - 16 * rates.directPerRowBeyond)
        rates.directPeak = Swift.max(many, thirtyTwo)
        func clamped(_ factor: Double) -> Double { factor.isFinite ? Swift.min(20, Swift.max(0.05, factor)) : 1 }
        let w = clamped(winograd.1 / ConvolutionPlanner(rates: rates).winogradSeconds(winograd.0))
        rates.winogradProductShare /= w
        rates.winogradTransformCost *= w
        rates.winogradKernelCost *= w
        // The FFT model is its kernel tap products (shipped costs) plus a part linear in the rates scaled.
        var doubled = rates
        doubled.fftCost *= 2
        doubled.channelProductCost *= 2
        let model = FFTCostModel.wholeSeconds(fft.0, rates: rates) ?? .nan
        let scaled = (FFTCostModel.wholeSeconds(fft.0, rates: doubled) ?? .nan) - model
        let f = clamped((fft.1 - (model - scaled)) / scaled)
        rates.fftCost *= f
        rates.productCost *= f
        rates.channelProductCost *= f
        return rates
    }

    /// The shortest of three timed forward passes of `engine` after one untimed pass.
    private static func bestSeconds(_ engine: any ConvolutionEngine, _ g: ConvolutionGeometry) -> Double {
        let input = [Float](repeating: 0.5, count: g.inputShape.reduce(1, *))
        let kernel = [Float](repeating: 0.01, count: g.kernelShape.reduce(1, *))
        var output = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        let clock = ContinuousClock()
        var best = Double.infinity
        for pass in 0..<4 {
            let elapsed = clock.measure {
                input.withUnsafeBufferPointer { x in
                    kernel.withUnsafeBufferPointer { k in
                        output.withUnsafeMutableBufferPointer { engine.forward(input: x, kernel: k, output: $0) }
                    }
                }
            }
            if pass > 0 { best = Swift.min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) }
        }
        return best
    }
}
