import Testing
import WeightedConvolution
import TestSupport

/// The Winograd engine against the naive `Double` reference for each rank (1-D, 2-D, 3-D), kernel
/// size (3, 5), tile, block size (blocks of 16 tiles cut tile rows and images anywhere and spread
/// over the workers) and matrix-product kernel; its accuracy on layers of network size; and when
/// the planner uses it. (Random layers through the operator, every padding mode, and
/// finite-difference gradient checks are in ``DirectConvolutionTests``.)
@Suite struct WinogradConvolutionTests {
    static let shapes = [
        ConvolutionCase(input: [3, 4, 11, 9], kernel: [5, 4, 3, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [2, 3, 7, 13], kernel: [2, 3, 3, 3], options: .init(padding: .explicit(low: [0, 2], high: [2, 1]))),
        ConvolutionCase(input: [1, 2, 5, 6], kernel: [3, 2, 3, 3], options: .init()),
        ConvolutionCase(input: [2, 3, 6, 5], kernel: [2, 3, 3, 3], options: .init(padding: .explicit(low: [3, 0], high: [1, 4]))),
        ConvolutionCase(input: [5, 1, 3, 3], kernel: [1, 1, 3, 3], options: .init(padding: .symmetric([1]))),
        // 4096 kernels: their transforms are split over the threads.
        ConvolutionCase(input: [1, 64, 5, 4], kernel: [64, 64, 3, 3], options: .init(padding: .symmetric([1]))),
        // More input channels than one 256-deep block of the transformed kernels packed once
        // (several blocks of tiles), 13 output channels across the 12-row slivers.
        ConvolutionCase(input: [3, 260, 6, 7], kernel: [13, 260, 3, 3], options: .init(padding: .symmetric([1]))),
        // 1-D: odd lengths, padding up to the kernel's reach, one channel.
        ConvolutionCase(input: [3, 5, 37], kernel: [3, 5, 3], options: .init(padding: .explicit(low: [2], high: [1]))),
        ConvolutionCase(input: [2, 3, 29], kernel: [5, 3, 5], options: .init(padding: .symmetric([2]))),
        ConvolutionCase(input: [1, 1, 6], kernel: [1, 1, 5], options: .init(padding: .explicit(low: [4], high: [0]))),
        ConvolutionCase(input: [2, 4, 23], kernel: [3, 4, 5], options: .init(padding: .explicit(low: [6], high: [1]))),
        // 2-D 5 × 5.
        ConvolutionCase(input: [2, 3, 9, 11], kernel: [3, 3, 5, 5], options: .init(padding: .explicit(low: [2, 1], high: [3, 4]))),
        // 3-D: odd sizes, uneven padding, one image, one and odd channel counts.
        ConvolutionCase(input: [1, 3, 7, 5, 9], kernel: [5, 3, 3, 3, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [2, 1, 5, 6, 4], kernel: [1, 1, 3, 3, 3], options: .init(padding: .explicit(low: [2, 0, 1], high: [0, 2, 2]))),
        ConvolutionCase(input: [1, 2, 7, 6, 5], kernel: [3, 2, 5, 5, 5], options: .init(padding: .symmetric([2]))),
    ]

    @Test(arguments: shapes)
    func everyTileAndBlockSizeMatchesReference(_ c: ConvolutionCase) throws {
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(try c.geometry(), seed: 12)
        for products in MatrixProductKernel.allCases where products.isAvailable {
            for tile in WinogradConvolution.Tile.tiles(for: try c.geometry()) {
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

    /// Layers of network size for each rank and kernel size (16–32 channels each way).
    static let networkLayers = [
        ConvolutionCase(input: [2, 32, 30, 30], kernel: [32, 32, 3, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [2, 16, 301], kernel: [16, 16, 5], options: .init(padding: .symmetric([2]))),
        ConvolutionCase(input: [2, 16, 301], kernel: [16, 16, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [1, 16, 12, 13, 12], kernel: [16, 16, 3, 3, 3], options: .init(padding: .symmetric([1]))),
        ConvolutionCase(input: [1, 16, 20, 20], kernel: [16, 16, 5, 5], options: .init(padding: .symmetric([2]))),
    ]

    /// A layer of network size: the error relative to the reference's largest magnitude stays
    /// below 1e-4 for every tile (the bound; the measured worst cases are in
    /// `Docs/Convolution.md`).
    @Test(arguments: networkLayers)
    func networkSizedLayerIsAccurate(_ c: ConvolutionCase) throws {
        let geometry = try c.geometry()
        let (x, k, gy, expected, expectedGrad) = DirectConvolutionTests.referenceRun(geometry, seed: 13)
        for tile in WinogradConvolution.Tile.tiles(for: geometry) {
            let (y, gx, gk) = DirectConvolutionTests.run(WinogradConvolution(geometry: geometry, tile: tile), x, k, gy)
            #expect(relativeError(y, expected) < 1e-4, "forward \(tile)")
            #expect(relativeError(gx, expectedGrad.input) < 1e-4, "∂x \(tile)")
            #expect(relativeError(gk, expectedGrad.kernel) < 1e-4, "∂k \(tile)")
        }
    }

    /// `.winograd` runs the Winograd engine exactly on the layers it supports and the direct
    /// path elsewhere; `.auto` may choose it only where it is supported.
    @Test func plannerUsesWinogradWhereSupported() throws {
        // `.auto` on the shipped rates (the process-wide planner's may be calibrated on this machine).
        func method(_ input: [Int], _ kernel: [Int], _ options: ConvolutionOptions) throws -> ConvolutionMethod {
            guard options.method == .auto else {
                return try ConvolutionOperator(inputShape: input, kernelShape: kernel, options: options).method
            }
            let geometry = try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: options)
            return ConvolutionPlanner(rates: .shipped).method(for: geometry, requested: .auto)
        }
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(padding: .same, method: .winograd)) == .winograd)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(stride: [2], method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(dilation: [2], method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 2, 3, 3], .init(groups: 2, method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 5, 5], .init(method: .winograd)) == .winograd)
        #expect(try method([1, 4, 8, 8, 8], [4, 4, 3, 3, 3], .init(method: .winograd)) == .winograd)
        #expect(try method([1, 4, 20], [4, 4, 5], .init(method: .winograd)) == .winograd)
        #expect(try method([1, 4, 20], [4, 4, 7], .init(method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 5], .init(method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8, 8, 8], [4, 4, 3, 3, 3, 3], .init(method: .winograd)) == .direct)
        #expect(try method([1, 4, 8, 8], [4, 4, 3, 3], .init(stride: [2], method: .auto)) != .winograd)
        #expect(try method([16, 64, 64, 64], [64, 64, 3, 3], .init(padding: .same, method: .auto)) == .winograd)
        // 5-tap kernels are left to `.winograd` and `.measure` (never estimated).
        #expect(try method([64, 128, 16, 16], [128, 128, 5, 5], .init(padding: .same, method: .auto)) != .winograd)
        // One image through a 512-channel layer: transforming 262 144 kernels outweighs the products saved.
        #expect(try method([1, 512, 4, 4], [512, 512, 3, 3], .init(padding: .same, method: .auto)) == .direct)
    }
}
