import GridCore
import Testing
import WeightedConvolution
import TestSupport

/// The fold `K = W ⊙ Φ` and its adjoint (∂W = ∂K ⊙ Φ, ∂Φ = Σ ∂K ⊙ W over channel pairs) against
/// naive loops, on weights long enough to cross the tiles of 16 repetitions of Φ with a partial
/// last tile and to flush the single-precision partial sums of ∂Φ several times, and (the last
/// case, 329 400 values) to be split into slices over two or more threads.
@Suite struct DensityFoldTests {
    /// Kernel grids of several sizes (9, 15, 27 and 1 values of Φ), with densities of every kind.
    static let cases: [(density: Density, kernelSize: [Int], channels: (out: Int, in: Int))] = [
        (.symmetric([0.3]), [3, 3], (650, 7)),
        (.profiles(perAxis: [[0.2, 0.7, 1, 0.4, 0.9], [0.5, 1, 0.6]]), [5, 3], (301, 13)),
        (.symmetric(perAxis: [[0.5], [0.25], [0.8]]), [3, 3, 3], (97, 17)),
        (.gaussian(sigma: 1.5), [1], (1000, 45)),
        (.symmetric([0.6]), [3, 3], (600, 61)),
    ]

    @Test(arguments: cases.indices)
    func kernelIsWeightTimesDensity(_ index: Int) throws {
        let c = Self.cases[index]
        let phi = try c.density.values(kernelSize: c.kernelSize)
        let shape = [c.channels.out, c.channels.in] + c.kernelSize
        var random = TestRandom(seed: UInt64(index))
        let w = random.values(shape.reduce(1, *))
        let kernel = try w.withUnsafeBufferPointer { try WeightedConvolution(density: c.density).kernel(weight: $0, weightShape: shape) }
        let expected = w.indices.map { Double(w[$0]) * Double(phi[$0 % phi.count]) }
        #expect(relativeError(kernel, expected) < 1e-7)
    }

    /// With a 1-pixel output, ∂K is the outer product of ∂y and the input patch, so ∂W and ∂Φ
    /// have closed forms.
    @Test(arguments: cases.indices)
    func backwardUnfoldsTheKernelGradient(_ index: Int) throws {
        let c = Self.cases[index]
        let phi = try c.density.values(kernelSize: c.kernelSize)
        let weightShape = [c.channels.out, c.channels.in] + c.kernelSize, inputShape = [1, c.channels.in] + c.kernelSize
        var random = TestRandom(seed: 100 + UInt64(index))
        let w = random.values(weightShape.reduce(1, *)), x = random.values(inputShape.reduce(1, *))
        let gy = random.values(c.channels.out)
        let conv = WeightedConvolution(density: c.density, options: .init(method: .direct))
        let plan = try PreparedConvolution(conv, inputShape: inputShape, weight: w, weightShape: weightShape)
        let gradients = x.withUnsafeBufferPointer { x in
            gy.withUnsafeBufferPointer { plan.backward(input: x, gradOutput: $0, computeInputGradient: false) }
        }
        #expect(gradients.input == nil)
        let patch = x.count, taps = phi.count
        let gradKernel = w.indices.map { Double(gy[$0 / patch]) * Double(x[$0 % patch]) }
        var gradPhi = [Double](repeating: 0, count: taps)
        for i in w.indices { gradPhi[i % taps] += gradKernel[i] * Double(w[i]) }
        #expect(relativeError(gradients.weight, w.indices.map { gradKernel[$0] * Double(phi[$0 % taps]) }) < 2e-6)
        let expectedDensity = try c.density.parameterGradient(kernelSize: c.kernelSize, gradPhi: gradPhi.map { Float($0) })
        #expect(relativeError(gradients.density, expectedDensity.map(Double.init)) < 1e-5)
    }

    /// A prepared plan (what a layer keeps from forward to backward) gives the same forward and
    /// backward as the calls on grids, folds the same kernel, and rejects weights or a bias that
    /// do not fit with a thrown error.
    @Test func preparedPlanMatchesOneOffCallsAndChecksItsInputs() throws {
        let inputShape = [2, 3, 7, 6], weightShape = [4, 3, 3, 3]
        var random = TestRandom(seed: 9)
        let x = random.values(inputShape.reduce(1, *)), w = random.values(weightShape.reduce(1, *))
        let conv = WeightedConvolution(density: .symmetric([0.3]), options: .init(padding: .same))
        let plan = try PreparedConvolution(conv, inputShape: inputShape, weight: w, weightShape: weightShape)
        let k = try w.withUnsafeBufferPointer { try conv.kernel(weight: $0, weightShape: weightShape) }
        #expect(plan.effectiveKernel == k)
        let planned = x.withUnsafeBufferPointer { x in
            let y = plan.forward(input: x, bias: nil)
            let g = y.withUnsafeBufferPointer { plan.backward(input: x, gradOutput: $0) }
            return y + g.weight + g.input! + g.density
        }
        let xGrid = try Grid<4>(dims: inputShape, scalars: x), wGrid = try Grid<4>(dims: weightShape, scalars: w)
        let y1 = try conv(xGrid, weight: wGrid)
        let g1 = try conv.gradients(input: xGrid, weight: wGrid, gradOutput: y1)
        #expect(planned == y1.scalars + g1.weight + g1.input! + g1.density)
        #expect(throws: ConvolutionError.self) {
            try PreparedConvolution(conv, inputShape: inputShape, weight: Array(w.dropLast()), weightShape: weightShape)
        }
        #expect(throws: ConvolutionError.self) {
            try PreparedConvolution(conv, inputShape: inputShape, weight: w, weightShape: weightShape, biasCount: 3)
        }
    }
}
