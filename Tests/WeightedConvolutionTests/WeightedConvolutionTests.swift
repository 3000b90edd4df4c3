import GridCore
import Testing
import WeightedConvolution
import TestSupport

/// The weighted layer against the naive reference applied to `W ⊙ Φ`, and its gradients against
/// central finite differences of the `Double` reference. Float accumulation over at most a few
/// hundred products gives errors ≈ 1e-6 relative; 1e-4 leaves room for FFT round-off.
@Suite struct WeightedConvolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: [Int], weight: [Int], options: ConvolutionOptions, density: Density
        var testDescription: String { "x\(input) w\(weight) \(options.paddingMode) \(options.method)" }
    }

    static let cases: [Case] = ConvolutionMethod.allCases.filter { $0 != .measure }.flatMap { method in [
        Case(input: [2, 3, 11], weight: [4, 3, 5], options: .init(padding: .same, method: method),
             density: .symmetric([0.3, 1.7])),
        Case(input: [1, 4, 9, 8], weight: [4, 2, 3, 5], options: .init(stride: [2, 1], padding: .symmetric([1, 2]),
             groups: 2, paddingMode: .reflect, method: method), density: .symmetric(perAxis: [[0.7], [0.2, 0.8]])),
        Case(input: [2, 2, 7, 9], weight: [3, 2, 7, 7], options: .init(padding: .same, dilation: [1, 2], method: method),
             density: .symmetric([0.25, 0.15, 0.55])),
        Case(input: [1, 2, 6, 5, 7], weight: [2, 2, 3, 3, 3], options: .init(padding: .symmetric([1]),
             paddingMode: .circular, method: method), density: .gaussian(sigma: 1.2)),
        Case(input: [2, 2, 6, 6], weight: [2, 2, 2, 3], options: .init(method: method),
             density: .profiles(perAxis: [[0.5, 1.5], [0.9, 1.1, 0.3]])),
    ] }

    @Test(arguments: cases)
    func forwardIsConvolutionWithTheWeightedKernel(_ c: Case) throws {
        var random = TestRandom(seed: 11)
        let x = random.values(c.input.reduce(1, *)), w = random.values(c.weight.reduce(1, *))
        let bias = random.values(c.weight[0])
        let conv = WeightedConvolution(density: c.density, options: c.options)
        let y = try x.withUnsafeBufferPointer { x in
            try w.withUnsafeBufferPointer { w in
                try bias.withUnsafeBufferPointer { b in
                    try conv.forward(input: x, inputShape: c.input, weight: w, weightShape: c.weight, bias: b)
                }
            }
        }
        let phi = try c.density.values(kernelSize: Array(c.weight.dropFirst(2)))
        let kernel = w.enumerated().map { Double($0.element * phi[$0.offset % phi.count]) }
        let reference = try ReferenceConvolution(geometry: .init(inputShape: c.input, kernelShape: c.weight, options: c.options))
        let expected = reference.forward(input: x.map(Double.init), kernel: kernel, bias: bias.map(Double.init))
        #expect(y.shape == reference.geometry.outputShape)
        #expect(relativeError(y.output, expected) < 1e-4)
    }

    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(_ c: Case) throws {
        var random = TestRandom(seed: 12)
        let x = random.values(c.input.reduce(1, *)), w = random.values(c.weight.reduce(1, *))
        let conv = WeightedConvolution(density: c.density, options: c.options)
        let geometry = try ConvolutionGeometry(inputShape: c.input, kernelShape: c.weight, options: c.options)
        let r = random.values(geometry.outputShape.reduce(1, *)).map(Double.init)
        let g = try x.withUnsafeBufferPointer { x in
            try w.withUnsafeBufferPointer { w in
                try r.map(Float.init).withUnsafeBufferPointer { r in
                    try conv.backward(input: x, inputShape: c.input, weight: w, weightShape: c.weight, gradOutput: r)
                }
            }
        }
        let reference = ReferenceConvolution(geometry: geometry)
        /// L = Σ r ⊙ conv(x, W ⊙ Φ(θ)) in Double.
        func loss(_ x: [Double], _ w: [Double], _ density: Density) throws -> Double {
            let phi = try density.values(kernelSize: geometry.kernelSize).map(Double.init)
            let kernel = w.enumerated().map { $0.element * phi[$0.offset % phi.count] }
            return zip(reference.forward(input: x, kernel: kernel, bias: nil), r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let xd = x.map(Double.init), wd = w.map(Double.init), h = 1e-3
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 13)) {
            var plus = xd, minus = xd
            plus[i] += h
            minus[i] -= h
            let numeric = (try loss(plus, wd, c.density) - loss(minus, wd, c.density)) / (2 * h)
            #expect(abs(Double(g.input![i]) - numeric) < 1e-3 * max(1, abs(numeric)), "∂x[\(i)]")
        }
        for i in stride(from: 0, to: w.count, by: max(1, w.count / 13)) {
            var plus = wd, minus = wd
            plus[i] += h
            minus[i] -= h
            let numeric = (try loss(xd, plus, c.density) - loss(xd, minus, c.density)) / (2 * h)
            #expect(abs(Double(g.weight[i]) - numeric) < 1e-3 * max(1, abs(numeric)), "∂W[\(i)]")
        }
        for p in c.density.parameters.indices {
            var plus = c.density, minus = c.density
            plus.parameters[p] += 1e-2
            minus.parameters[p] -= 1e-2
            let numeric = (try loss(xd, wd, plus) - loss(xd, wd, minus)) / 2e-2
            #expect(abs(Double(g.density[p]) - numeric) < 3e-3 * max(1, abs(numeric)), "∂θ[\(p)]")
        }
        let expectedBias = reference.backward(input: xd, kernel: wd, gradOutput: r).bias
        #expect(relativeError(g.bias, expectedBias) < 1e-5)
    }

    @Test func unitDensityIsOrdinaryConvolution() throws {
        var random = TestRandom(seed: 13)
        let x = try Grid<4>(dims: [2, 3, 8, 8], scalars: random.values(384))
        let w = try Grid<4>(dims: [4, 3, 5, 5], scalars: random.values(300))
        let ones = WeightedConvolution(density: .symmetric([1, 1]), options: .init(padding: .same))
        let plain = WeightedConvolution(density: .uniform, options: .init(padding: .same))
        #expect(try ones(x, weight: w) == plain(x, weight: w))
        let g1 = try ones.gradients(input: x, weight: w, gradOutput: try plain(x, weight: w))
        let g0 = try plain.gradients(input: x, weight: w, gradOutput: try plain(x, weight: w))
        #expect(g1.input == g0.input && g1.weight == g0.weight && g1.bias == g0.bias)
    }

    @Test func badInputsAreThrownErrors() throws {
        let x = try Grid<4>(dims: [1, 2, 6, 6], repeating: 1)
        let w = try Grid<4>(dims: [3, 2, 3, 3], repeating: 1)
        let conv = WeightedConvolution(density: .symmetric([0.5]))
        #expect(throws: ConvolutionError.self) { try conv(x, weight: w, bias: [1, 2]) }
        #expect(throws: ConvolutionError.self) { try conv(x, weight: try Grid<4>(dims: [3, 1, 3, 3], repeating: 1)) }
        #expect(throws: ConvolutionError.self) { try WeightedConvolution(density: .symmetric([0.5, 0.5]))(x, weight: w) }
        var nan = x
        nan[[0, 0, 1, 1]] = .nan
        #expect(throws: ConvolutionError.nonFinite("input holds NaN or infinity")) { try conv(nan, weight: w) }
        #expect(throws: ConvolutionError.self) {
            try conv.gradients(input: x, weight: w, gradOutput: try Grid<4>(dims: [1, 3, 5, 5], repeating: 0))
        }
    }
}
