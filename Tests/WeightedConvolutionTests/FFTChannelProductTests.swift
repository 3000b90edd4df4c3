import Testing
import WeightedConvolution
import TestSupport

/// The whole-signal FFT path's channel sums, complex matrix products over blocks of 16 frequencies,
/// against the naive `Double` reference: channel counts that leave partial register tiles (odd,
/// 1, more than a tile), groups, batch 1, transform sizes whose frequencies fill their last
/// block exactly, by one lane, or span many blocks; the kernel gradient's taps read both by the
/// tap matrix product and by inverse transforms.
@Suite struct FFTChannelProductTests {
    static let cases = [
        // Batch 1, odd channel counts (rows and columns beyond whole 2 × 4 tiles).
        ConvolutionCase(input: [1, 5, 13, 11], kernel: [7, 5, 3, 4], options: .init(padding: .explicit(low: [1, 2], high: [2, 0]))),
        // Groups 3 (2 inputs and 3 outputs per group), odd batch, stride and dilation.
        ConvolutionCase(input: [3, 6, 10, 9], kernel: [9, 2, 5, 3], options: .init(stride: [2, 1], padding: .symmetric([2]), dilation: [1, 2], groups: 3)),
        // Transform size 30: 16 frequencies, one block filled exactly.
        ConvolutionCase(input: [2, 3, 28], kernel: [5, 3, 3], options: .init(padding: .symmetric([1]))),
        // Transform size 32: 17 frequencies, the second block holds one.
        ConvolutionCase(input: [2, 9, 30], kernel: [4, 9, 3], options: .init(padding: .symmetric([1]))),
        // Many blocks, more channels than a tile on every side, batch 1 and single channels (threaded plans).
        ConvolutionCase(input: [1, 1, 40, 37], kernel: [1, 1, 7, 7], options: .init(padding: .symmetric([3]))),
        ConvolutionCase(input: [3, 10, 10, 9], kernel: [11, 10, 7, 7], options: .init(padding: .symmetric([3]))),
        // Rank 3 with groups.
        ConvolutionCase(input: [2, 3, 6, 5, 7], kernel: [3, 1, 3, 2, 3], options: .init(padding: .symmetric([1]), groups: 3)),
    ]

    @Test(arguments: cases, [true, false])
    func channelProductsMatchTheReference(_ c: ConvolutionCase, tapsByProduct: Bool) throws {
        let geometry = try c.geometry()
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(geometry, seed: 31)
        let engine = FFTConvolution(geometry: geometry, tapsByProduct: tapsByProduct)
        let (y, gx, gk) = DirectConvolutionTests.run(engine, x, k, gy)
        #expect(DirectConvolutionTests.isClose(y, expected), "forward")
        #expect(DirectConvolutionTests.isClose(gx, expectedGrad.input), "∂x")
        #expect(DirectConvolutionTests.isClose(gk, expectedGrad.kernel), "∂k")
    }
}
