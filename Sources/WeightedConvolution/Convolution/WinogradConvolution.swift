import CMatrixProduct
import GridCore

/// Winograd convolution of 3 × 3 layers with unit stride and dilation, one group, any padding,
/// channel counts and batch (Lavin and Gray, 2016): every `m × m` output tile is
/// `Aᵀ [ Σ_c (G k_{o,c} Gᵀ) ⊙ (Bᵀ d_c B) ] A` with `d_c` the `α × α` input tile (`α = m + 2`), so
/// a layer costs `α²` matrix products `M_ξ (Cout × tiles) = U_ξ (Cout × Cin) · V_ξ (Cin × tiles)`
/// of the transformed kernel `U` and input `V` — `9m²/α²` fewer multiplications than the direct
/// path (2.25× for F(2×2, 3×3), 4× for F(4×4, 3×3)).
///
/// - forward: input tiles transformed, `α²` products, output tiles transformed back;
/// - input gradient: the forward pass of the adjoint convolution (``DirectConvolution/adjointGeometry(of:)``,
///   itself a 3 × 3 unit-stride layer) on a Winograd engine, or the direct engine when the
///   layer pads by more than 2;
/// - kernel gradient: `∂U_ξ = Σ_tiles ∂M_ξ · V_ξᵀ` with `∂M = A ∂Y Aᵀ` (the adjoint of the output
///   transform), then `∂k = Gᵀ ∂U G` (the adjoint of the kernel transform).
///
/// Tiles are numbered across the batch (image, tile row, tile column) and cut into blocks of
/// ``tilesPerBlock``; worker threads take whole blocks (transforms and single-threaded products)
/// on scratch buffers reused across calls, so results depend only on the geometry and
/// `ComputeThreads.count`. The transforms are C (`winograd.c`), vectorised over 16 tiles.
///
/// Accuracy: the transforms' coefficients grow with the tile (up to 8 and 1/24 for F(4×4, 3×3)),
/// so rounding errors are larger than the direct path's; the worst cases measured against the
/// `Double` reference are listed in `Docs/Convolution.md`.
public struct WinogradConvolution: ConvolutionEngine {
    /// The output tile computed per transform.
    public enum Tile: Int, Sendable, CaseIterable {
        /// F(2×2, 3×3): 4 × 4 input tiles, 2.25× fewer multiplications than direct.
        case f2x2 = 2
        /// F(4×4, 3×3): 6 × 6 input tiles, 4× fewer multiplications than direct.
        case f4x4 = 4

        /// The side of an input tile, `m + 2`.
        public var alpha: Int { rawValue + 2 }
    }

    /// The geometry this engine computes (zero padding; its padding mode is ignored).
    public let geometry: ConvolutionGeometry
    /// The output tile size.
    public let tile: Tile
    /// Tiles per block (a multiple of 16): the columns of each block's products.
    public let tilesPerBlock: Int
    /// The kernel that runs the matrix products.
    public let matrixProducts: MatrixProductKernel
    private let tileRows: Int, tileColumns: Int
    private let inputGradient: InputGradient

    /// How the input gradient is computed.
    private enum InputGradient: Sendable {
        case adjoint(Box<WinogradConvolution>)
        case direct(DirectConvolution)
        /// The engine of an adjoint convolution, which only runs forward.
        case unavailable
    }

    /// A reference to an engine (a struct cannot contain its own type).
    private final class Box<Engine: Sendable>: Sendable {
        let engine: Engine
        init(_ engine: Engine) { self.engine = engine }
    }

    /// The bytes this engine keeps between calls: those of its input-gradient engine (its own
    /// tables are a few sizes; transformed tiles live in scratch buffers).
    public var retainedBytes: Int {
        switch inputGradient {
        case .adjoint(let box): box.engine.retainedBytes
        case .direct(let engine): engine.retainedBytes
        case .unavailable: 0
        }
    }

    /// Bytes of transformed input and output per block the default block size aims at (inside
    /// the L2 and L3 caches of the machine measured).
    static let blockBytes = 4 << 20

    /// Whether the Winograd engine computes `geometry`: two spatial axes, a 3 × 3 kernel, unit
    /// strides and dilations, one group.
    public static func supports(_ geometry: ConvolutionGeometry) -> Bool {
        geometry.spatialRank == 2 && geometry.kernelSize == [3, 3] && geometry.stride == [1, 1]
            && geometry.dilation == [1, 1] && geometry.groups == 1
    }

    /// The tile ``ConvolutionPlanner`` uses: F(4×4, 3×3), or F(2×2, 3×3) for outputs narrower
    /// than 4 on an axis (most of a 4 × 4 tile would be wasted).
    public static func defaultTile(for geometry: ConvolutionGeometry) -> Tile {
        geometry.outputSize.allSatisfy { $0 >= 4 } ? .f4x4 : .f2x2
    }

    /// Prepares the engine for `geometry`.
    /// - Parameters:
    ///   - geometry: the resolved sizes (only zero padding is applied).
    ///   - tile: the output tile size (``defaultTile(for:)`` when `nil`).
    ///   - tilesPerBlock: tiles per block, rounded up to a multiple of 16; `nil` chooses from the
    ///     channel counts and the number of threads.
    ///   - matrixProducts: the kernel that runs the matrix products.
    /// - Precondition: ``supports(_:)`` holds; `matrixProducts` ``MatrixProductKernel/isAvailable``.
    public init(
        geometry: ConvolutionGeometry, tile: Tile? = nil, tilesPerBlock: Int? = nil,
        matrixProducts: MatrixProductKernel = .preferred
    ) {
        self.init(geometry: geometry, tile: tile, tilesPerBlock: tilesPerBlock, matrixProducts: matrixProducts, withAdjoint: true)
    }

    private init(
        geometry: ConvolutionGeometry, tile: Tile?, tilesPerBlock: Int?, matrixProducts: MatrixProductKernel, withAdjoint: Bool
    ) {
        precondition(Self.supports(geometry), "Winograd needs a 3×3, unit-stride, undilated, ungrouped 2-D layer: \(geometry)")
        precondition(matrixProducts.isAvailable, "\(matrixProducts.rawValue) matrix products are not available here")
        precondition(tilesPerBlock.map { $0 >= 1 } ?? true, "tilesPerBlock must be ≥ 1")
        let tile = tile ?? Self.defaultTile(for: geometry)
        self.geometry = geometry
        self.tile = tile
        self.matrixProducts = matrixProducts
        tileRows = (geometry.outputSize[0] + tile.rawValue - 1) / tile.rawValue
        tileColumns = (geometry.outputSize[1] + tile.rawValue - 1) / tile.rawValue
        let total = geometry.batch * tileRows * tileColumns
        let perTile = tile.alpha * tile.alpha * (geometry.inChannels + geometry.outChannels) * 4
        let fitting = Swift.max(16, Self.blockBytes / perTile)
        let balanced = (total + 2 * ComputeThreads.count - 1) / (2 * ComputeThreads.count)
        self.tilesPerBlock = Self.roundUp(tilesPerBlock ?? Swift.min(fitting, Swift.max(balanced, 64)))
        if !withAdjoint {
            inputGradient = .unavailable
        } else if let adjoint = DirectConvolution.adjointGeometry(of: geometry) {
            inputGradient = .adjoint(Box(WinogradConvolution(
                geometry: adjoint, tile: tile, tilesPerBlock: tilesPerBlock, matrixProducts: matrixProducts, withAdjoint: false)))
        } else {
            inputGradient = .direct(DirectConvolution(geometry: geometry, matrixProducts: matrixProducts))
        }
    }

    private static func roundUp(_ n: Int) -> Int { (n + 15) / 16 * 16 }

    private var alpha: Int { tile.alpha }
    private var positions: Int { alpha * alpha }
    private var tilesPerImage: Int { tileRows * tileColumns }
    private var blockCount: Int { (geometry.batch * tilesPerImage + tilesPerBlock - 1) / tilesPerBlock }
    /// Floats per transformed row: a block's lanes and the slack of whole-vector writes.
    private var lanes: Int { tilesPerBlock + 16 }
    private var inputPlane: Int { geometry.inputSize[0] * geometry.inputSize[1] }
    private var outputPlane: Int { geometry.outputSize[0] * geometry.outputSize[1] }

    /// Writes `conv(input, kernel)` into `output`.
    public func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>
    ) {
        guard let x = input.baseAddress, let k = kernel.baseAddress, let y = output.baseAddress else { return }
        let g = geometry, cin = g.inChannels, cout = g.outChannels, lanes = lanes, m = Int32(tile.rawValue)
        WorkspaceCache.shared.withBuffer(count: positions * cout * cin) { u in
            forEachKernelSlice { part in
                wc_winograd_kernel(m, k + 9 * part.lowerBound, part.count, u.baseAddress! + part.lowerBound, cout * cin)
            }
            forEachBlock(accumulator: 0) { block, v, product, scratch, _ in
                transformInput(x, block: block, into: v, scratch: scratch)
                for xi in 0..<positions {
                    matrixProducts.multiply(
                        transposingA: false, transposingB: false, m: cout, n: block.tiles, k: cin,
                        a: u.baseAddress! + xi * cout * cin, lda: cin, b: v + xi * cin * lanes, ldb: lanes, beta: 0,
                        c: product + xi * cout * lanes, ldc: lanes)
                }
                for o in 0..<cout {
                    wc_winograd_output(
                        m, product + o * lanes, cout * lanes, y + o * outputPlane, g.outputSize[0], g.outputSize[1],
                        block.outputRuns, block.outputRuns.count, scratch)
                }
            }
        }
    }

    /// Writes the gradients with respect to the input and the kernel (`nil` ones are skipped).
    public func backward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>,
        gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?
    ) {
        if let gradInput {
            switch inputGradient {
            case .adjoint(let adjoint):
                WorkspaceCache.shared.withBuffer(count: kernel.count) { flipped in
                    geometry.writeAdjointKernel(kernel.baseAddress!, into: flipped.baseAddress!)
                    adjoint.engine.forward(input: gradOutput, kernel: UnsafeBufferPointer(flipped), output: gradInput)
                }
            case .direct(let direct):
                direct.backward(input: input, kernel: kernel, gradOutput: gradOutput, gradInput: gradInput, gradKernel: nil)
            case .unavailable:
                preconditionFailure("the engine of an adjoint convolution only runs forward")
            }
        }
        guard let gradKernel, let x = input.baseAddress, let dy = gradOutput.baseAddress else { return }
        let g = geometry, cin = g.inChannels, cout = g.outChannels, lanes = lanes, m = Int32(tile.rawValue)
        let count = positions * cout * cin
        WorkspaceCache.shared.withBuffer(count: count) { du in
            du.update(repeating: 0)
            forEachBlock(accumulator: count, into: du.baseAddress!) { block, v, gradProduct, scratch, sum in
                transformInput(x, block: block, into: v, scratch: scratch)
                for o in 0..<cout {
                    wc_winograd_output_adjoint(
                        m, dy + o * outputPlane, g.outputSize[0], g.outputSize[1], block.outputRuns, block.outputRuns.count,
                        gradProduct + o * lanes, cout * lanes, scratch)
                }
                for xi in 0..<positions {
                    matrixProducts.multiply(
                        transposingA: false, transposingB: true, m: cout, n: cin, k: block.tiles,
                        a: gradProduct + xi * cout * lanes, lda: lanes, b: v + xi * cin * lanes, ldb: lanes, beta: 1,
                        c: sum! + xi * cout * cin, ldc: cin)
                }
            }
            forEachKernelSlice { part in
                wc_winograd_kernel_adjoint(
                    m, du.baseAddress! + part.lowerBound, cout * cin, part.count, gradKernel.baseAddress! + 9 * part.lowerBound)
            }
        }
    }

    /// Calls `body` on slices of the `Cout·Cin` kernels, concurrently on the compute threads
    /// when there are enough of them to be worth it (the kernel transforms of 512-channel layers
    /// cost as much as their products otherwise).
    private func forEachKernelSlice(_ body: (Range<Int>) -> Void) {
        let count = geometry.outChannels * geometry.inChannels
        guard count >= 4096 else { return body(0..<count) }
        ComputeThreads.split(count, body)
    }

    /// The tiles of one block as runs of consecutive tiles of one tile row, with the image
    /// offsets of the input and of the output (the runs take consecutive lanes).
    private struct Block {
        let inputRuns: [wc_tile_run], outputRuns: [wc_tile_run], tiles: Int
    }

    /// The runs of tiles of block `index`.
    private func block(_ index: Int) -> Block {
        let first = index * tilesPerBlock, end = Swift.min(first + tilesPerBlock, geometry.batch * tilesPerImage)
        var inputRuns: [wc_tile_run] = [], outputRuns: [wc_tile_run] = []
        var t = first
        while t < end {
            let image = t / tilesPerImage, rest = t % tilesPerImage
            let column = rest % tileColumns, count = Swift.min(tileColumns - column, end - t)
            inputRuns.append(wc_tile_run(
                offset: image * geometry.inChannels * inputPlane, tileRow: rest / tileColumns, firstTile: column, count: count))
            outputRuns.append(wc_tile_run(
                offset: image * geometry.outChannels * outputPlane, tileRow: rest / tileColumns, firstTile: column, count: count))
            t += count
        }
        return Block(inputRuns: inputRuns, outputRuns: outputRuns, tiles: end - first)
    }

    /// `V_ξ[c][lane]` of every channel of the block's tiles (rows of ``lanes`` floats).
    private func transformInput(
        _ x: UnsafePointer<Float>, block: Block, into v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let g = geometry, lanes = lanes
        for c in 0..<g.inChannels {
            wc_winograd_input(
                Int32(tile.rawValue), x + c * inputPlane, g.inputSize[0], g.inputSize[1], g.padLow[0], g.padLow[1],
                block.inputRuns, block.inputRuns.count, v + c * lanes, g.inChannels * lanes, scratch)
        }
    }

    /// Runs `body(block, v, product, scratch, accumulator)` for every block of tiles, spread
    /// over the compute threads: `v` holds `α²·Cin` rows and `product` `α²·Cout` rows of ``lanes``
    /// floats, `scratch` the transforms' scratch. With `accumulator > 0`, worker 0 accumulates
    /// into `destination` (zeroed by the caller) and the others into zeroed private buffers added
    /// to it at the end, in worker order.
    private func forEachBlock(
        accumulator: Int, into destination: UnsafeMutablePointer<Float>? = nil,
        _ body: (Block, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                 UnsafeMutablePointer<Float>?) -> Void
    ) {
        let blocks = blockCount
        guard blocks > 0 else { return }
        let workers = Swift.min(ComputeThreads.count, blocks)
        let transformed = positions * lanes
        let vCount = transformed * geometry.inChannels, productCount = transformed * geometry.outChannels
        let scratchCount = vCount + productCount + Int(wc_winograd_scratch(Int32(tile.rawValue), tilesPerBlock))
        WorkspaceCache.shared.withBuffer(count: (workers - 1) * accumulator) { partials in
            partials.update(repeating: 0)
            BLASThreads.singleThreaded {
                concurrentPerform(workers) { worker in
                    let sum = destination == nil || worker == 0 ? destination : partials.baseAddress! + (worker - 1) * accumulator
                    WorkspaceCache.shared.withBuffer(count: scratchCount) { buffer in
                        let v = buffer.baseAddress!, product = v + vCount, scratch = product + productCount
                        for index in stride(from: worker, to: blocks, by: workers) {
                            body(block(index), v, product, scratch, sum)
                        }
                    }
                }
            }
            guard let destination, accumulator > 0 else { return }
            for worker in 1..<workers {
                let partial = partials.baseAddress! + (worker - 1) * accumulator
                for i in 0..<accumulator { destination[i] += partial[i] }
            }
        }
    }
}
