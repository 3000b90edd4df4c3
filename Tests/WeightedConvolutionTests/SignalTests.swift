import GridCore
import Testing
import WeightedConvolution
import TestSupport

/// `correlate` / `convolve` against values printed by scipy.signal 1.17 (`method='direct'`) and
/// against a naive loop on random signals of rank 1–3, for every mode and every path.
@Suite struct SignalTests {
    func grid(_ values: [Float]) throws -> Grid<1> { try Grid<1>(dims: [values.count], scalars: values) }

    @Test(arguments: [ConvolutionMethod.direct, .fft, .overlap, .auto])
    func matchesScipy(method: ConvolutionMethod) throws {
        let a = try grid([1, 2, 3, 4, 5]), b = try grid([1, 0, -2]), c = try grid([1, 2])
        let expected: [(SignalMode, [Float], [Float], [Float], [Float], [Float])] = [
            // mode, corr(a,b), corr(a,c), conv(a,b), conv(a,c), corr(c,a)
            (.full, [-2, -4, -5, -6, -7, 4, 5], [2, 5, 8, 11, 14, 5], [1, 2, 1, 0, -1, -8, -10], [1, 4, 7, 10, 13, 10], [5, 14, 11, 8, 5, 2]),
            (.same, [-4, -5, -6, -7, 4], [2, 5, 8, 11, 14], [2, 1, 0, -1, -8], [1, 4, 7, 10, 13], []),
            (.valid, [-5, -6, -7], [5, 8, 11, 14], [1, 0, -1], [4, 7, 10, 13], [14, 11, 8, 5]),
        ]
        for (mode, ab, ac, vab, vac, ca) in expected {
            #expect(close(try correlate(a, b, mode: mode, method: method).scalars, ab), "correlate \(mode)")
            #expect(close(try correlate(a, c, mode: mode, method: method).scalars, ac), "correlate even \(mode)")
            #expect(close(try convolve(a, b, mode: mode, method: method).scalars, vab), "convolve \(mode)")
            #expect(close(try convolve(a, c, mode: mode, method: method).scalars, vac), "convolve even \(mode)")
            if !ca.isEmpty { #expect(close(try correlate(c, a, mode: mode, method: method).scalars, ca), "swapped \(mode)") }
        }
        let m = try Grid<2>(dims: [3, 4], scalars: (0..<12).map(Float.init))
        let k = try Grid<2>(dims: [2, 2], scalars: [1, 2, 0, -1])
        #expect(close(try correlate(m, k, mode: .same, method: method).scalars, [0, -1, -2, -3, -4, -3, -1, 1, 0, 5, 7, 9]))
    }

    /// Float sums of a few dozen products of values in [-1, 1): 1e-5 absolute is ample.
    func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 }
    }

    /// Every mode and path on random signals of rank 1–3 against naive loops (the full
    /// correlation in `Double`, cropped as scipy does).
    @Test(arguments: [1, 2, 3])
    func everyModeMatchesNaiveLoops(rank: Int) throws {
        var random = TestRandom(seed: UInt64(rank))
        let n = (0..<rank).map { _ in random.int(in: 3...9) }, k = (0..<rank).map { _ in random.int(in: 1...4) }
        let a = random.values(n.reduce(1, *)), b = random.values(k.reduce(1, *))
        let full = n.indices.map { n[$0] + k[$0] - 1 }
        var expected = [Double](repeating: 0, count: full.reduce(1, *))
        for (p, position) in allIndices(full).enumerated() {
            for (q, tap) in allIndices(k).enumerated() {
                let source = position.indices.map { position[$0] + tap[$0] - (k[$0] - 1) }
                guard source.indices.allSatisfy({ source[$0] >= 0 && source[$0] < n[$0] }) else { continue }
                let offset = source.indices.reduce(0) { $0 * n[$1] + source[$1] }
                expected[p] += Double(a[offset]) * Double(b[q])
            }
        }
        let crops: [(SignalMode, start: [Int], size: [Int])] = [
            (.full, full.map { _ in 0 }, full),
            (.same, k.map { ($0 - 1) / 2 }, n),
            (.valid, k.map { $0 - 1 }, n.indices.map { n[$0] - k[$0] + 1 }),
        ]
        for (mode, start, size) in crops {
            let kept = allIndices(size).map { index in
                index.indices.reduce(0) { $0 * full[$1] + index[$1] + start[$1] }
            }.map { expected[$0] }
            for method in [ConvolutionMethod.direct, .fft, .overlap] {
                let z: [Float]
                switch rank {
                case 1: z = try correlate(Grid<1>(dims: n, scalars: a), Grid<1>(dims: k, scalars: b), mode: mode, method: method).scalars
                case 2: z = try correlate(Grid<2>(dims: n, scalars: a), Grid<2>(dims: k, scalars: b), mode: mode, method: method).scalars
                default: z = try correlate(Grid<3>(dims: n, scalars: a), Grid<3>(dims: k, scalars: b), mode: mode, method: method).scalars
                }
                #expect(z.count == kept.count && relativeError(z, kept) < 1e-5, "\(method) \(mode) rank \(rank)")
            }
        }
    }

    /// A long single signal (a transform of 40 000 values, one signal for two threads): the FFT
    /// path matches a naive loop.
    @Test func longSignalThroughThreadedTransforms() throws {
        var random = TestRandom(seed: 16)
        let a = random.values(40_000), b = random.values(7)
        let z = try correlate(try grid(a), try grid(b), mode: .valid, method: .fft).scalars
        let expected = (0..<(a.count - b.count + 1)).map { p in (0..<b.count).reduce(0.0) { $0 + Double(a[p + $1]) * Double(b[$1]) } }
        #expect(z.count == expected.count && relativeError(z, expected) < 1e-5)
    }

    @Test func validModeNeedsContainment() throws {
        let a = try Grid<2>(dims: [3, 5], repeating: 1), b = try Grid<2>(dims: [4, 2], repeating: 1)
        #expect(throws: ConvolutionError.self) { try correlate(a, b, mode: .valid) }
        #expect(throws: ConvolutionError.self) { try convolve(try Grid<1>(dims: [0]), try grid([1])) }
    }
}

/// The cost model's choices on the benchmark shapes with the shipped rates (the timings that
/// fitted them are in `PlannerRates.shipped`; the process-wide planner's may be calibrated on
/// this machine): FFT for large kernels, Winograd for channel-heavy 2-D 3×3 layers, direct for
/// other small kernels and for 3-channel first layers.
@Suite struct PlannerTests {
    func choice(
        _ input: [Int], _ kernel: [Int], _ padding: ConvolutionPadding = .same, stride: [Int] = [1]
    ) throws -> ConvolutionMethod {
        let geometry = try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: .init(stride: stride, padding: padding))
        return ConvolutionPlanner(rates: .shipped).method(for: geometry, requested: .auto)
    }

    /// Long signals with short-ish kernels take blocks; kernels about as large as the signal the
    /// whole-signal FFT; small kernels the direct path.
    @Test func largeKernelsUseAnFFTPath() throws {
        #expect(try choice([1, 1, 65536], [1, 1, 255]) == .overlap)
        #expect(try choice([1, 1, 1 << 20], [1, 1, 63]) == .overlap)
        #expect(try choice([1, 1, 2048, 2048], [1, 1, 15, 15]) == .overlap)
        #expect(try choice([1, 1, 64, 64, 64], [1, 1, 15, 15, 15]) == .fft)
        #expect(try choice([1, 1, 300, 300], [1, 1, 301, 301], .symmetric([150])) == .fft)
        #expect(try choice([1, 1, 65536], [1, 1, 3]) == .direct)
        #expect(try choice([1, 1, 512, 512], [1, 1, 3, 3]) == .direct)
    }

    @Test func channelHeavySmallKernelsUseTheDirectOrWinogradPath() throws {
        #expect(try choice([64, 64, 32, 32], [64, 64, 3, 3]) == .winograd)
        #expect(try choice([64, 128, 16, 16], [128, 128, 3, 3]) == .winograd)
        #expect(try choice([64, 3, 32, 32], [64, 3, 3, 3]) == .direct)
        #expect(try choice([64, 64, 32, 32], [64, 64, 3, 3], .symmetric([1]), stride: [2]) == .direct)
        #expect(try choice([32, 16, 4096], [16, 16, 5]) == .direct)
        #expect(try choice([4, 16, 32, 32, 32], [16, 16, 3, 3, 3]) == .winograd)   // F(4, 3)³; the 1-D one measured slower
    }

    @Test func measuredChoiceIsCachedAndValid() throws {
        let options = ConvolutionOptions(padding: .same, method: .measure)
        let first = try ConvolutionOperator(inputShape: [1, 1, 256], kernelShape: [1, 1, 31], options: options).method
        let second = try ConvolutionOperator(inputShape: [1, 1, 256], kernelShape: [1, 1, 31], options: options).method
        #expect(first == second && [.direct, .fft, .overlap].contains(first))
        let layer = try ConvolutionOperator(inputShape: [2, 8, 12, 12], kernelShape: [8, 8, 3, 3], options: options).method
        #expect([.direct, .fft, .overlap, .winograd].contains(layer))
    }
}
