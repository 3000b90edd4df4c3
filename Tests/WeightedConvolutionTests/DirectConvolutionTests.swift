import Dispatch
import GridCore
import Testing
import WeightedConvolution
import TestSupport

/// The direct (im2col + SGEMM), FFT and Winograd paths against the naive `Double` reference, on seeded
/// random cases over spatial ranks 1–4 × odd/even kernels × stride × dilation × groups (incl.
/// depthwise) × explicit asymmetric / `same` padding × every padding mode, and random 3 × 3
/// layers the Winograd path computes.
///
/// Tolerances: values are uniform in [-1, 1) and each output or gradient entry is a `Float` sum
/// of at most a few thousand products, accumulated by SGEMM in `Float`; the rounding error is then
/// ≲ √n·2⁻²⁴ relative to the magnitude of the terms (≈ 3e-6 for n = 3000). Errors are measured
/// relative to max(1, largest expected magnitude), and 2e-5 leaves a margin without hiding an
/// indexing error (which shows as an O(1) difference). Single-precision FFTs of these sizes err
/// by ≈ 1e-7·log₂L relative to the signal energy, well inside the same bound.
@Suite struct DirectConvolutionTests {
    static let tolerance = 2e-5

    /// Every value finite and within ``tolerance`` of the reference, relative to max(1, its
    /// largest magnitude) (`relativeError` alone would let NaN through).
    static func isClose(_ actual: [Float], _ expected: [Double]) -> Bool {
        actual.allSatisfy(\.isFinite) && relativeError(actual, expected) < tolerance
    }

    static let cases = [ConvolutionMethod.direct, .fft].flatMap { method in
        ConvolutionCase.random(seed: 20_250_601, ranks: [1, 2, 3, 4], maxExtent: { [0, 24, 12, 7, 5][$0] }, method: method)
    } + ConvolutionCase.winograd(seed: 20_261_203, count: 16, maxExtent: 13)

    @Test(arguments: cases)
    func forwardMatchesReference(_ c: ConvolutionCase) throws {
        var random = TestRandom(seed: 1)
        let geometry = try c.geometry()
        let x = random.values(c.input.reduce(1, *)), k = random.values(c.kernel.reduce(1, *))
        let bias = random.values(geometry.outChannels)
        let y = try forward(c, x, k, bias)
        let expected = ReferenceConvolution(geometry: geometry).forward(
            input: x.map(Double.init), kernel: k.map(Double.init), bias: bias.map(Double.init))
        #expect(y.dims == geometry.outputShape)
        #expect(Self.isClose(y.scalars, expected))
    }

    @Test(arguments: cases)
    func backwardMatchesReference(_ c: ConvolutionCase) throws {
        var random = TestRandom(seed: 2)
        let geometry = try c.geometry()
        let x = random.values(c.input.reduce(1, *)), k = random.values(c.kernel.reduce(1, *))
        let gy = random.values(geometry.outputShape.reduce(1, *))
        let g = try gradients(c, x, k, gy)
        let expected = ReferenceConvolution(geometry: geometry).backward(
            input: x.map(Double.init), kernel: k.map(Double.init), gradOutput: gy.map(Double.init))
        #expect(Self.isClose(g.input, expected.input), "∂x")
        #expect(Self.isClose(g.kernel, expected.kernel), "∂k")
        #expect(Self.isClose(g.bias, expected.bias), "∂bias")
    }

    /// The gradients against central differences of `L = Σ r ⊙ conv(x, k)` computed by the
    /// `Double` reference. `L` is linear in `x` and in `k`, so the differences are exact up to
    /// `Double` rounding (≈ 1e-13 / h); the tolerance is the `Float` one of the library.
    @Test(arguments: [ConvolutionMethod.direct, .fft, .overlap].flatMap { method in
        ConvolutionCase.random(seed: 7, ranks: [1, 2, 3, 4], maxExtent: { [0, 8, 5, 4, 3][$0] }, method: method)
    } + ConvolutionCase.winograd(seed: 8, count: 8, maxExtent: 9) + winogradRanks + longLines)
    func gradientsMatchFiniteDifferences(_ c: ConvolutionCase) throws {
        var random = TestRandom(seed: 3)
        let geometry = try c.geometry()
        let x = random.values(c.input.reduce(1, *)), k = random.values(c.kernel.reduce(1, *))
        let r = random.values(geometry.outputShape.reduce(1, *))
        let g = try gradients(c, x, k, r)
        let reference = ReferenceConvolution(geometry: geometry)
        let rd = r.map(Double.init)
        func loss(_ x: [Double], _ k: [Double]) -> Double {
            zip(reference.forward(input: x, kernel: k, bias: nil), rd).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let xd = x.map(Double.init), kd = k.map(Double.init), h = 1e-2
        for i in stride(from: 0, to: x.count, by: Swift.max(1, x.count / 10)) {
            var plus = xd, minus = xd
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus, kd) - loss(minus, kd)) / (2 * h)
            #expect(abs(Double(g.input[i]) - numeric) < Self.tolerance * Swift.max(1, abs(numeric)), "∂x[\(i)]")
        }
        for i in stride(from: 0, to: k.count, by: Swift.max(1, k.count / 10)) {
            var plus = kd, minus = kd
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(xd, plus) - loss(xd, minus)) / (2 * h)
            #expect(abs(Double(g.kernel[i]) - numeric) < Self.tolerance * Swift.max(1, abs(numeric)), "∂k[\(i)]")
        }
    }

    /// The Winograd engine beyond 2-D 3 × 3: 1-D and 2-D 5-tap kernels, 3-D 3³ (small shapes,
    /// asymmetric padding, a padding mode other than zeros).
    static let winogradRanks = [
        ConvolutionCase(input: [2, 3, 23], kernel: [4, 3, 5], options: .init(padding: .explicit(low: [3], high: [1]), method: .winograd)),
        ConvolutionCase(input: [1, 2, 9, 7], kernel: [3, 2, 5, 5], options: .init(padding: .same, paddingMode: .reflect, method: .winograd)),
        ConvolutionCase(
            input: [1, 2, 5, 6, 4], kernel: [3, 2, 3, 3, 3],
            options: .init(padding: .explicit(low: [2, 0, 1], high: [0, 2, 1]), method: .winograd)),
    ]

    /// Output lines long enough for the direct engine's line kernels (forward by line blocks,
    /// kernel gradient by dot products of rows, ``DirectConvolution/lineKernelLength``): odd
    /// lengths, groups, dilation, 1-D and 2-D.
    static let longLines = [
        ConvolutionCase(
            input: [2, 4, 301], kernel: [4, 2, 5],
            options: .init(padding: .explicit(low: [3], high: [1]), dilation: [2], groups: 2, method: .direct)),
        ConvolutionCase(
            input: [1, 3, 3, 263], kernel: [5, 3, 2, 3], options: .init(padding: .explicit(low: [1, 2], high: [0, 1]), method: .direct)),
    ]

    /// Every matrix-product kernel this processor runs (the own AVX-512 one and the OpenBLAS
    /// fallback), threading policy, image chunking (including a ragged last chunk) and tiling
    /// (tiles of 37 positions cut output lines anywhere; default tiles) computes the same
    /// convolution; pointwise kernels (read in place), padding beyond the kernel's reach (col2im)
    /// and single-output-channel groups (line products) too.
    @Test(arguments: [
        ConvolutionCase(input: [1, 3, 20, 19], kernel: [3, 1, 3, 3], options: .init(stride: [1, 2], padding: .symmetric([1]), groups: 3)),
        ConvolutionCase(input: [3, 4, 9, 8], kernel: [1, 4, 3, 2], options: .init(padding: .explicit(low: [2, 0], high: [0, 1]), dilation: [2, 1])),
        ConvolutionCase(input: [5, 4, 6, 7], kernel: [6, 2, 3, 2], options: .init(padding: .explicit(low: [1, 0], high: [2, 1]), groups: 2)),
        ConvolutionCase(input: [5, 6, 5, 4], kernel: [4, 6, 1, 1], options: .init()),
        ConvolutionCase(input: [3, 2, 6, 7], kernel: [3, 2, 3, 3], options: .init(padding: .symmetric([3]))),
        ConvolutionCase(input: [2, 3, 5, 4], kernel: [3, 1, 1, 1], options: .init(groups: 3)),
        ConvolutionCase(input: [3, 2, 9], kernel: [3, 2, 3], options: .init(stride: [3], padding: .symmetric([2]), dilation: [2])),
        ConvolutionCase(input: [1, 3, 500], kernel: [2, 3, 5], options: .init(padding: .explicit(low: [3], high: [1]))),
        ConvolutionCase(input: [2, 3, 16, 15], kernel: [2, 3, 5, 5], options: .init(padding: .explicit(low: [3, 1], high: [2, 4]), dilation: [2])),
        ConvolutionCase(input: [1, 2, 7, 8, 6], kernel: [2, 2, 3, 3, 3], options: .init(padding: .symmetric([1]))),
    ] + longLines)
    func everyThreadingAndChunkingAgrees(_ c: ConvolutionCase) throws {
        let geometry = try c.geometry()
        if Self.longLines.contains(where: { $0.description == c.description }) {
            #expect(DirectConvolution(geometry: geometry).usesLineKernels, "the long-line cases must take the line kernels")
        }
        let (x, k, gy, expected, expectedGrad) = Self.referenceRun(geometry, seed: 4)
        let variants = DirectConvolution.Threading.allCases.flatMap { threading in
            ([(nil, nil), (1, 37), (2, nil), (3, nil)] as [(Int?, Int?)]).map { (threading, $0.0, $0.1) }
        }
        for kernel in MatrixProductKernel.allCases where kernel.isAvailable {
            for (threading, chunk, tile) in variants {
                let engine = DirectConvolution(
                    geometry: geometry, threading: threading, matrixProducts: kernel, imagesPerChunk: chunk, columnsPerTile: tile)
                let (y, gx, gk) = Self.run(engine, x, k, gy)
                let label = "\(kernel.rawValue) \(threading) chunk \(chunk.map(String.init) ?? "auto") tile \(engine.columnsPerTile)"
                #expect(Self.isClose(y, expected), "forward \(label)")
                #expect(Self.isClose(gx, expectedGrad.input), "∂x \(label)")
                #expect(Self.isClose(gk, expectedGrad.kernel), "∂k \(label)")
            }
        }
    }

    /// Seeded random input, kernel and output gradient for `geometry`, and the reference's output
    /// and gradients for them.
    static func referenceRun(_ geometry: ConvolutionGeometry, seed: UInt64) -> (
        x: [Float], k: [Float], gy: [Float], y: [Double], gradients: (input: [Double], kernel: [Double], bias: [Double])
    ) {
        var random = TestRandom(seed: seed)
        let x = random.values(geometry.inputShape.reduce(1, *)), k = random.values(geometry.kernelShape.reduce(1, *))
        let gy = random.values(geometry.outputShape.reduce(1, *))
        let reference = ReferenceConvolution(geometry: geometry)
        let (xd, kd) = (x.map(Double.init), k.map(Double.init))
        return (x, k, gy, reference.forward(input: xd, kernel: kd, bias: nil),
                reference.backward(input: xd, kernel: kd, gradOutput: gy.map(Double.init)))
    }

    /// The engine's forward output and both gradients, in buffers that start as NaN.
    static func run(
        _ engine: any ConvolutionEngine, _ x: [Float], _ k: [Float], _ gy: [Float]
    ) -> (y: [Float], gx: [Float], gk: [Float]) {
        var y = [Float](repeating: .nan, count: gy.count)
        var gx = [Float](repeating: .nan, count: x.count), gk = [Float](repeating: .nan, count: k.count)
        x.withUnsafeBufferPointer { x in
            k.withUnsafeBufferPointer { k in
                y.withUnsafeMutableBufferPointer { engine.forward(input: x, kernel: k, output: $0) }
                gy.withUnsafeBufferPointer { gy in
                    gx.withUnsafeMutableBufferPointer { gx in
                        gk.withUnsafeMutableBufferPointer { gk in
                            engine.backward(input: x, kernel: k, gradOutput: gy, gradInput: gx, gradKernel: gk)
                        }
                    }
                }
            }
        }
        return (y, gx, gk)
    }

    /// The input gradient alone (no kernel gradient asked for) of a layer without an adjoint
    /// (padding beyond the kernel's reach: col2im), on several workers, matches the reference.
    @Test func inputGradientAlone() throws {
        let geometry = try ConvolutionGeometry(
            inputShape: [4, 3, 7, 6], kernelShape: [2, 3, 3, 3], options: .init(padding: .symmetric([3])))
        var random = TestRandom(seed: 14)
        let x = random.values(geometry.inputShape.reduce(1, *)), k = random.values(geometry.kernelShape.reduce(1, *))
        let gy = random.values(geometry.outputShape.reduce(1, *))
        var gx = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { x in
            k.withUnsafeBufferPointer { k in
                gy.withUnsafeBufferPointer { gy in
                    gx.withUnsafeMutableBufferPointer {
                        DirectConvolution(geometry: geometry, threading: .imageWorkers).backward(
                            input: x, kernel: k, gradOutput: gy, gradInput: $0, gradKernel: nil)
                    }
                }
            }
        }
        let expected = ReferenceConvolution(geometry: geometry).backward(
            input: x.map(Double.init), kernel: k.map(Double.init), gradOutput: gy.map(Double.init))
        #expect(Self.isClose(gx, expected.input))
    }

    /// The FFT engine reuses the spectra of an unchanged kernel: forward passes with a kernel, the
    /// same kernel with one value changed, and the first again each match the reference.
    @Test func fftKernelSpectraFollowKernelChanges() throws {
        let geometry = try ConvolutionGeometry(
            inputShape: [2, 3, 9, 7], kernelShape: [2, 3, 4, 3], options: .init(padding: .symmetric([1]), method: .fft))
        let op = try ConvolutionOperator(inputShape: geometry.inputShape, kernelShape: geometry.kernelShape, options: .init(padding: .symmetric([1]), method: .fft))
        let (x, k, _, expected, _) = Self.referenceRun(geometry, seed: 15)
        var changed = k
        changed[changed.count / 2] += 0.5
        let expectedChanged = ReferenceConvolution(geometry: geometry).forward(
            input: x.map(Double.init), kernel: changed.map(Double.init), bias: nil)
        for (kernel, reference) in [(k, expected), (k, expected), (changed, expectedChanged), (k, expected)] {
            var y = [Float](repeating: .nan, count: expected.count)
            x.withUnsafeBufferPointer { x in
                kernel.withUnsafeBufferPointer { k in
                    y.withUnsafeMutableBufferPointer { op.forward(input: x, kernel: k, bias: nil, output: $0) }
                }
            }
            #expect(Self.isClose(y, reference))
        }
    }

    /// An output of more than a million positions is computed without a table of every column
    /// offset: each tile fills its own (forward, kernel gradient, and the adjoint's forward).
    @Test(.disabled(if: isDebugBuild, "minutes unoptimised; runs in the release pass"))
    func largeOutputsFillColumnOffsetsPerTile() throws {
        let c = ConvolutionCase(input: [1, 2, 1_100_000], kernel: [3, 2, 3], options: .init(padding: .symmetric([1])))
        let geometry = try c.geometry()
        var random = TestRandom(seed: 8)
        let x = random.values(c.input.reduce(1, *)), k = random.values(c.kernel.reduce(1, *))
        let gy = random.values(geometry.outputShape.reduce(1, *))
        let (y, gx, gk) = Self.run(DirectConvolution(geometry: geometry), x, k, gy)
        let reference = ReferenceConvolution(geometry: geometry)
        let (xd, kd) = (x.map(Double.init), k.map(Double.init))
        let expected = reference.backward(input: xd, kernel: kd, gradOutput: gy.map(Double.init))
        #expect(Self.isClose(y, reference.forward(input: xd, kernel: kd, bias: nil)), "forward")
        #expect(Self.isClose(gx, expected.input), "∂x")
        // ∂K sums 1.1 million products per entry: Float rounding of about √n·2⁻²⁴ relative.
        #expect(gk.allSatisfy(\.isFinite) && relativeError(gk, expected.kernel) < 1e-4, "∂k")
    }

    /// The input gradient runs as a forward convolution exactly when strides are 1 and the padding
    /// stays within the dilated kernel's reach; that convolution maps `∂y`'s shape to `x`'s.
    @Test func adjointGeometryExistsForUnitStridesWithinReach() throws {
        func geometry(_ input: [Int], _ kernel: [Int], _ options: ConvolutionOptions) throws -> ConvolutionGeometry {
            try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: options)
        }
        let within = [
            try geometry([2, 6, 9, 8], [4, 3, 3, 5], .init(padding: .explicit(low: [2, 0], high: [1, 4]), groups: 2)),
            try geometry([1, 2, 11], [3, 2, 3], .init(padding: .symmetric([4]), dilation: [2])),
            try geometry([3, 4, 5, 5, 5], [2, 4, 1, 1, 1], .init()),
        ]
        for g in within {
            let adjoint = try #require(DirectConvolution.adjointGeometry(of: g))
            #expect(adjoint.inputShape == g.outputShape)
            #expect(adjoint.outputShape == g.inputShape)
            #expect(adjoint.kernelShape == [g.inChannels, g.outChannels / g.groups] + g.kernelSize)
        }
        #expect(DirectConvolution.adjointGeometry(of: try geometry([1, 2, 9, 9], [2, 2, 3, 3], .init(stride: [2], padding: .symmetric([1])))) == nil)
        #expect(DirectConvolution.adjointGeometry(of: try geometry([1, 2, 9, 9], [2, 2, 3, 3], .init(padding: .symmetric([3])))) == nil)
    }

    /// Repeated calls reuse scratch buffers: results stay identical (no stale accumulation).
    @Test func repeatedCallsAreIdentical() throws {
        let x = Grid<4>.uniform(shape: [4, 3, 9, 9], seed: 5), k = Grid<4>.uniform(shape: [2, 3, 3, 3], seed: 6)
        let conv = WeightedConvolution(options: ConvolutionOptions(padding: .same, method: .direct))
        let first = try conv(x, weight: k)
        let gy = Grid<4>.uniform(shape: first.shape, seed: 7)
        let firstGrad = try conv.gradients(input: x, weight: k, gradOutput: gy)
        for _ in 0..<3 {
            #expect(try conv(x, weight: k) == first)
            #expect(try conv.gradients(input: x, weight: k, gradOutput: gy) == firstGrad)
        }
    }

    /// Calls from several threads at once (sharing the scratch pool and the BLAS thread setting)
    /// give the same results as calls one at a time.
    @Test func concurrentCallsAgree() throws {
        let x = Grid<4>.uniform(shape: [4, 6, 12, 12], seed: 9), k = Grid<4>.uniform(shape: [6, 3, 3, 3], seed: 10)
        let conv = WeightedConvolution(options: ConvolutionOptions(padding: .same, groups: 2, method: .direct))
        let y = try conv(x, weight: k)
        let gy = Grid<4>.uniform(shape: y.shape, seed: 11)
        let g = try conv.gradients(input: x, weight: k, gradOutput: gy)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            #expect((try? conv(x, weight: k)) == y)
            #expect((try? conv.gradients(input: x, weight: k, gradOutput: gy)) == g)
        }
    }

    /// An empty batch gives an empty output and zero kernel and bias gradients.
    @Test func emptyBatch() throws {
        let x = try Grid<3>(dims: [0, 2, 7]), k = Grid<3>.uniform(shape: [3, 2, 3], seed: 8)
        let conv = WeightedConvolution(options: ConvolutionOptions(padding: .same, method: .direct))
        let y = try conv(x, weight: k, bias: [1, 2, 3])
        #expect(y.dims == [0, 3, 7])
        let g = try conv.gradients(input: x, weight: k, gradOutput: y)
        #expect(g.input == [] && g.weight.count == k.count && g.weight.allSatisfy { $0 == 0 } && g.bias == [0, 0, 0])
    }

    // MARK: - Through the grid API, for the case's rank

    private func forward(_ c: ConvolutionCase, _ x: [Float], _ k: [Float], _ bias: [Float]) throws -> (dims: [Int], scalars: [Float]) {
        func run<let N: Int>(_: Grid<N>.Type) throws -> (dims: [Int], scalars: [Float]) {
            let y = try WeightedConvolution(options: c.options)(
                try Grid<N>(dims: c.input, scalars: x), weight: try Grid<N>(dims: c.kernel, scalars: k), bias: bias)
            return (y.dims, y.scalars)
        }
        return try byRank(c.rank, run(Grid<3>.self), run(Grid<4>.self), run(Grid<5>.self), run(Grid<6>.self))
    }

    private func gradients(_ c: ConvolutionCase, _ x: [Float], _ k: [Float], _ gy: [Float]) throws
        -> (input: [Float], kernel: [Float], bias: [Float])
    {
        func run<let N: Int>(_: Grid<N>.Type) throws -> (input: [Float], kernel: [Float], bias: [Float]) {
            let geometry = try c.geometry()
            let g = try WeightedConvolution(options: c.options).gradients(
                input: try Grid<N>(dims: c.input, scalars: x), weight: try Grid<N>(dims: c.kernel, scalars: k),
                gradOutput: try Grid<N>(dims: geometry.outputShape, scalars: gy))
            #expect(g.input?.count == x.count && g.weight.count == k.count)
            return (g.input ?? [], g.weight, g.bias)
        }
        return try byRank(c.rank, run(Grid<3>.self), run(Grid<4>.self), run(Grid<5>.self), run(Grid<6>.self))
    }

    private func byRank<R>(
        _ rank: Int, _ r1: @autoclosure () throws -> R, _ r2: @autoclosure () throws -> R,
        _ r3: @autoclosure () throws -> R, _ r4: @autoclosure () throws -> R
    ) throws -> R {
        switch rank {
        case 1: try r1()
        case 2: try r2()
        case 3: try r3()
        default: try r4()
        }
    }
}
