import Testing
import WeightedConvolution
import TestSupport

/// The Winograd engine against the naive `Double` reference for each tile size, block size
/// (blocks of 16 tiles cut tile rows and images anywhere and spread over the workers) and
/// matrix-product kernel; its accuracy on layers of network size; and when the planner uses it.
/// (Random 3 × 3 layers through the operator, every padding mode, and finite-difference
/// gradient checks are in ``DirectConvolutionTests``.)
@Suite struct WinogradConvolutionTests {
    static let shapes = [
        ConvolutionCase(input: [3, 4, 11, 9], kernel: [5, 4, 3, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [2, 3, 7, 13], kernel: [2, 3, 3, 3], options: .init(padding: .explicit(low: [0, 2], high: [2, 1]))),
        ConvolutionCase(input: [1, 2, 5, 6], kernel: [3, 2, 3, 3], options: .init()),
        ConvolutionCase(input: [2, 3, 6, 5], kernel: [2, 3, 3, 3], options: .init(padding: .explicit(low: [3, 0], high: [1, 4]))),
        ConvolutionCase(input: [5, 1, 3, 3], kernel: [1, 1, 3, 3], options: .init(padding: .symmetric([1]))),
        // 4096 kernels: their transforms are split over the threads.
        ConvolutionCase(input: [1, 64, 5, 4], kernel: [64, 64, 3, 3], options: .init(padding: .symmetric([1]))),
    ]

    @Test(arguments: shapes)
    func everyTileAndBlockSizeMatchesReference(_ c: ConvolutionCase) throws {
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(try c.geometry(), seed: 12)
        for products in MatrixProductKernel.allCases where products.isAvailable {
            for tile in WinogradConvolution.Tile.allCases {
                for block in [16, nil] as [Int?] {
                    let engine = WinogradConvolution(geometry: try c.geometry(), tile: tile, tilesPerBlock: block, matrixProducts: products)
                    let (y, gx, gk) = DirectConvolutionTests.run(engine, x, k, gy)
                    let label = "\(products.rawValue) \(tile) block \(engine.tilesPerBlock)"
                    #expect(DirectConvolutionTests.isClose(y, expected), "forward \(label)")
                    #expect(DirectConvolutionTests.isClose(gx, expectedGrad.input), "∂x \(label)")
                    #expect(DirectConvolutionTests.isClose(gk, expectedGrad.kernel), "∂k \(label)")
                }
            }
        }
    }

    /// A layer of network size (32 channels each way, 30 × 30, batch 2): the error relative to the
    /// reference's largest magnitude stays below 1e-4 for every tile (the bound; the
    /// measured worst cases are in `Docs/Convolution.md`).
    @Test(arguments: WinogradConvolution.Tile.allCases)
    func networkSizedLayerIsAccurate(_ tile: WinogradConvolution.Tile) throws {
        let geometry = try ConvolutionGeometry(
            inputShape: [2, 32, 30, 30], kernelShape: [32, 32, 3, 3], options: .init(padding: .symmetric([1])))
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(geometry, seed: 13)
        let (y, gx, gk) = DirectConvolutionTests.run(WinogradConvolution(geometry: geometry, tile: tile), x, k, gy)
        #expect(relativeError(y, expected) < 1e-4, "forward")
        #expect(relativeError(gx, expectedGrad.input) < 1e-4, "∂x")
        #expect(relativeError(gk, expectedGrad.kernel) < 1e-4, "∂k")
    }

    /// `.winograd` runs the Winograd engine exactly on the layers it supports and the direct
    /// path elsewhere; `.auto` may choose it only where it is supported.
    @Test func plannerUsesWinogradWhereSupported() throws {
        func method(_ input: [Int], _ kernel: [Int], _ options: ConvolutionOptions) throws -> ConvolutionMethod {
            try ConvolutionOperator(inputShape: input, kernelShape: kernel, options: options).method
        }
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(padding: .same, method: .winograd)) == .winograd)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(stride: [2], method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(dilation: [2], method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 2, 3, 3], .init(groups: 2, method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 5, 5], .init(method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8, 8], [4, 4, 3, 3, 3], .init(method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(stride: [2], method: .auto)) != .winograd)
        #expect(try method([16, 64, 64, 64], [64, 64, 3, 3], .init(padding: .same, method: .auto)) == .winograd)
        // One image through a 512-channel layer: transforming 262 144 kernels outweighs the products saved.
        #expect(try method([1, 512, 4, 4], [512, 512, 3, 3], .init(padding: .same, method: .auto)) == .direct)
    }
}
