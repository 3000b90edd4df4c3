import Testing
import WeightedConvolution
import TestSupport

/// The blocked FFT path (overlap-save, ``BlockedFFTConvolution``) against the naive `Double`
/// reference: random unit-stride geometries of rank 1–3 (odd and even sizes, dilation, groups,
/// asymmetric padding) with block sizes from the smallest possible (one position per block and
/// axis: the kernel reaches over many blocks) through odd, non-power-of-two sizes to one block
/// covering the whole output; forward and both gradients.
@Suite struct BlockedFFTTests {
    /// Random zero-padded, unit-stride cases of rank 1–3 (the random cases' strided ones dropped).
    static let cases = ConvolutionCase.random(seed: 20_261_203, ranks: [1, 2, 3], maxExtent: { [0, 40, 14, 8][$0] }, method: .overlap)
        .filter { $0.options.stride.allSatisfy { $0 == 1 } }
        .map { c in
            var options = c.options
            options.paddingMode = .zeros
            return ConvolutionCase(input: c.input, kernel: c.kernel, options: options)
        }

    @Test(arguments: cases)
    func everyBlockSizeMatchesTheReference(_ c: ConvolutionCase) throws {
        let geometry = try c.geometry()
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(geometry, seed: 21)
        let reach = (0..<geometry.spatialRank).map { geometry.dilation[$0] * (geometry.kernelSize[$0] - 1) }
        let whole = (0..<geometry.spatialRank).map { geometry.outputSize[$0] + reach[$0] }
        // Steps of 1, 2 and 5 positions per axis, and a block larger than the whole output.
        for blockSize in [reach.map { $0 + 1 }, reach.map { $0 + 2 }, reach.map { $0 + 5 }, whole.map { $0 + 3 }] {
            let engine = BlockedFFTConvolution(geometry: geometry, blockSize: blockSize)
            let (y, gx, gk) = DirectConvolutionTests.run(engine, x, k, gy)
            #expect(DirectConvolutionTests.isClose(y, expected), "forward, blocks \(blockSize)")
            #expect(DirectConvolutionTests.isClose(gx, expectedGrad.input), "∂x, blocks \(blockSize)")
            #expect(DirectConvolutionTests.isClose(gk, expectedGrad.kernel), "∂k, blocks \(blockSize)")
        }
    }

    /// Long signals with several images and channels, the last block cut short on every axis, and
    /// the kernel-gradient sums split over the workers: the cost model's blocks match the reference.
    @Test(arguments: [
        ConvolutionCase(input: [2, 2, 3001], kernel: [3, 2, 9], options: .init(padding: .explicit(low: [5], high: [17]), dilation: [3], method: .overlap)),
        ConvolutionCase(input: [1, 1, 1500], kernel: [1, 1, 31], options: .init(padding: .same, method: .overlap)),
        ConvolutionCase(input: [1, 2, 150, 97], kernel: [2, 1, 7, 6], options: .init(padding: .explicit(low: [3, 0], high: [4, 5]), groups: 2, method: .overlap)),
        ConvolutionCase(input: [2, 1, 37, 29, 31], kernel: [1, 1, 3, 4, 3], options: .init(padding: .same, method: .overlap)),
    ])
    func costModelBlocksMatchTheReference(_ c: ConvolutionCase) throws {
        let geometry = try c.geometry()
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(geometry, seed: 17)
        let op = try ConvolutionOperator(inputShape: c.input, kernelShape: c.kernel, options: c.options)
        #expect(op.method == .overlap)
        let engine = ConvolutionPlanner.shared.engine(for: geometry, method: .overlap)
        let (y, gx, gk) = DirectConvolutionTests.run(engine, x, k, gy)
        #expect(DirectConvolutionTests.isClose(y, expected), "forward")
        #expect(DirectConvolutionTests.isClose(gx, expectedGrad.input), "∂x")
        #expect(DirectConvolutionTests.isClose(gk, expectedGrad.kernel), "∂k")
    }

    /// The block sizes the cost model picks exceed the reach on every axis and are FFTW-friendly.
    @Test func costModelBlockSizesAreValid() throws {
        for (input, kernel) in [([1, 1, 65536], [1, 1, 255]), ([1, 1, 512, 512], [1, 1, 31, 31]), ([3, 2, 40, 41, 39], [2, 2, 5, 5, 5])] {
            let geometry = try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: .init(padding: .same))
            let engine = try #require(ConvolutionPlanner.shared.engine(for: geometry, method: .overlap) as? BlockedFFTConvolution)
            #expect(zip(engine.blockSize, engine.reach).allSatisfy { $0 > $1 }, "\(engine.blockSize) for \(kernel)")
            #expect(engine.blockSize.allSatisfy { size in
                var n = size
                for p in [2, 3, 5, 7] { while n % p == 0 { n /= p } }
                return n == 1
            }, "\(engine.blockSize)")
        }
    }
}
