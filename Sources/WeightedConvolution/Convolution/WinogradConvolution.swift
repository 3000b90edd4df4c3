import CMatrixProduct
import GridCore

/// Winograd convolution of layers with 1, 2 or 3 spatial axes, a 3- or 5-tap kernel on every
/// axis, unit stride and dilation, one group, any padding, channel counts and batch (Lavin and
/// Gray, 2016). The 1-D algorithm F(m, r) computes `m` outputs of an `r`-tap kernel from
/// `α = m + r − 1` inputs with `α` multiplications; on `N` axes every `m^N` output tile is
/// `A [ Σ_c (G k_{o,c}) ⊙ (Bᵀ d_c) ]` with each transform the 1-D one applied along every axis in
/// turn and `d_c` the `α^N` input tile, so a layer costs `α^N` matrix products
/// `M_ξ (Cout × tiles) = U_ξ (Cout × Cin) · V_ξ (Cin × tiles)` of the transformed kernel `U` and
/// input `V` — `(r·m/α)^N` fewer multiplications than the direct path (2.25× for F(2×2, 3×3),
/// 3.4× for F(2×2×2, 3×3×3), 2.5× for F(4, 5)).
///
/// - forward: input tiles transformed, `α^N` products, output tiles transformed back;
/// - input gradient: the forward pass of the adjoint convolution (``DirectConvolution/adjointGeometry(of:)``,
///   itself a unit-stride layer of the same kernel size) on a Winograd engine, or the direct
///   engine when the layer pads by more than `r − 1`;
/// - kernel gradient: `∂U_ξ = Σ_tiles ∂M_ξ · V_ξᵀ` with `∂M = Aᵀ ∂Y` (the adjoint of the output
///   transform), then `∂k = Gᵀ ∂U` (the adjoint of the kernel transform).
///
/// Tiles are numbered across the batch (image, then tile index on each axis) and cut into blocks
/// of ``tilesPerBlock``; worker threads take whole blocks (transforms and single-threaded products)
/// on scratch buffers reused across calls, so results depend only on the geometry and
/// `ComputeThreads.count`. The transforms are C (`winograd.c`), vectorised over 16 tiles.
///
/// Accuracy: the transforms' coefficients grow with the tile (up to 8 and 1/90 for F(4, 5)),
/// so rounding errors are larger than the direct path's; the worst cases measured against the
/// `Double` reference are listed in `Docs/Convolution.md`.
package struct WinogradConvolution: ConvolutionEngine {
    /// The geometry this engine computes (zero padding; its padding mode is ignored).
    package let geometry: ConvolutionGeometry
    /// The 1-D algorithm applied along every axis.
    package let tile: Tile
    /// Tiles per block (a multiple of 16): the columns of each block's products.
    package let tilesPerBlock: Int
    /// The kernel that runs the matrix products.
    package let matrixProducts: MatrixProductKernel
    private let tiling: WinogradTiling
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
    package var retainedBytes: Int {
        switch inputGradient {
        case .adjoint(let box): box.engine.retainedBytes
        case .direct(let engine): engine.retainedBytes
        case .unavailable: 0
        }
    }

    /// Bytes of transformed input and output per block the default block size aims at (inside
    /// the L2 and L3 caches of the machine measured).
    static let blockBytes = 4 << 20

    /// `Cout·Cin` up to which the kernel gradient's `∂M_ξ · V_ξᵀ` runs as dot products of rows
    /// (`wc_winograd_kernel_gradient`): a 16 × 16 result fills the matrix product's 12 × 32 tiles
    /// poorly (26 GFLOP/s on one thread against 70 for the forward products); the 64- and
    /// 128-channel 2-D layers keep the matrix product.
    static let rowProductChannels = 32 * 32

    /// Whether the Winograd engine computes `geometry`: 1 to 3 spatial axes, a 3- or 5-tap kernel
    /// on every axis, unit strides and dilations, one group.
    package static func supports(_ geometry: ConvolutionGeometry) -> Bool {
        (1...3).contains(geometry.spatialRank) && geometry.stride.allSatisfy { $0 == 1 }
            && geometry.dilation.allSatisfy { $0 == 1 } && geometry.groups == 1 && !Tile.tiles(for: geometry).isEmpty
    }

    /// The tile ``ConvolutionPlanner`` uses, chosen by measured speed and accuracy (see
    /// `Docs/Convolution.md`): F(4, 3) for 3-tap kernels (on 1, 2 or 3 axes), F(4, 5) for 5-tap
    /// kernels on one axis and F(2, 5) on more; the 2-output tile when an output is narrower
    /// than 8 (a 4-output tile would leave so few tiles per image that the products turn narrow,
    /// and waste part of each).
    package static func defaultTile(for geometry: ConvolutionGeometry) -> Tile {
        let threeTaps = geometry.kernelSize.first == 3
        guard geometry.outputSize.allSatisfy({ $0 >= 8 }), threeTaps || geometry.spatialRank == 1 else {
            return threeTaps ? .f2r3 : .f2r5
        }
        return threeTaps ? .f4r3 : .f4r5
    }

    /// Prepares the engine for `geometry`.
    /// - Parameters:
    ///   - geometry: the resolved sizes (only zero padding is applied).
    ///   - tile: the 1-D algorithm (``defaultTile(for:)`` when `nil`; one of ``Tile/tiles(for:)``).
    ///   - tilesPerBlock: tiles per block, rounded up to a multiple of 16; `nil` chooses from the
    ///     channel counts and the number of threads.
    ///   - matrixProducts: the kernel that runs the matrix products.
    /// - Precondition: ``supports(_:)`` holds; `matrixProducts` ``MatrixProductKernel/isAvailable``.
    package init(
        geometry: ConvolutionGeometry, tile: Tile? = nil, tilesPerBlock: Int? = nil,
        matrixProducts: MatrixProductKernel = .preferred
    ) {
        self.init(geometry: geometry, tile: tile, tilesPerBlock: tilesPerBlock, matrixProducts: matrixProducts, withAdjoint: true)
    }

    private init(
        geometry: ConvolutionGeometry, tile: Tile?, tilesPerBlock: Int?, matrixProducts: MatrixProductKernel, withAdjoint: Bool
    ) {
        precondition(Self.supports(geometry), "Winograd computes \(ConvolutionMethod.winogradCoverage), not \(geometry)")
        precondition(matrixProducts.isAvailable, "\(matrixProducts.rawValue) matrix products are not available here")
        precondition(tilesPerBlock.map { $0 >= 1 } ?? true, "tilesPerBlock must be ≥ 1")
        let tile = tile ?? Self.defaultTile(for: geometry)
        precondition(Tile.tiles(for: geometry).contains(tile), "\(tile) does not compute \(geometry.kernelSize) kernels")
        self.geometry = geometry
        self.tile = tile
        self.matrixProducts = matrixProducts
        tiling = WinogradTiling(geometry: geometry, tile: tile)
        let perTile = tiling.positions * (geometry.inChannels + geometry.outChannels) * 4
        let fitting = Swift.max(16, Self.blockBytes / perTile)
        let balanced = (tiling.tiles + 2 * ComputeThreads.count - 1) / (2 * ComputeThreads.count)
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

    private var positions: Int { tiling.positions }
    private var blockCount: Int { (tiling.tiles + tilesPerBlock - 1) / tilesPerBlock }
    /// Floats per transformed row: a block's lanes and the slack of whole-vector writes.
    private var lanes: Int { tilesPerBlock + 16 }
    private var inputPlane: Int { geometry.inputSize.reduce(1, *) }
    private var outputPlane: Int { geometry.outputSize.reduce(1, *) }
    private var kernelTaps: Int { geometry.kernelSize.reduce(1, *) }

    /// Writes `conv(input, kernel)` into `output`.
    package func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>
    ) {
        guard let x = input.baseAddress, let k = kernel.baseAddress, let y = output.baseAddress else { return }
        let g = geometry, cin = g.inChannels, cout = g.outChannels, lanes = lanes, taps = kernelTaps
        WorkspaceCache.shared.withBuffer(count: positions * cout * cin) { u in
            forEachKernelSlice { part in
                withLayout { wc_winograd_kernel($0, k + taps * part.lowerBound, part.count, u.baseAddress! + part.lowerBound, cout * cin) }
            }
            withPackedKernels(u.baseAddress!) { packed, packedCount in
                forEachBlock(accumulator: 0) { block, v, product, scratch, _ in
                    transformInput(x, block: block, into: v, scratch: scratch)
                    forEachPosition { xi in
                        if let packed {
                            matrixProducts.multiply(
                                packedA: packed + xi * packedCount, m: cout, n: block.tiles, k: cin, transposingB: false,
                                b: v + xi * cin * lanes, ldb: lanes, beta: 0, c: product + xi * cout * lanes, ldc: lanes)
                            return
                        }
                        matrixProducts.multiply(
                            transposingA: false, transposingB: false, m: cout, n: block.tiles, k: cin,
                            a: u.baseAddress! + xi * cout * cin, lda: cin, b: v + xi * cin * lanes, ldb: lanes, beta: 0,
                            c: product + xi * cout * lanes, ldc: lanes)
                    }
                    withLayout { layout in
                        for o in 0..<cout {
                            wc_winograd_output(
                                layout, product + o * lanes, cout * lanes, y + o * outputPlane, block.outputRuns,
                                block.outputRuns.count, scratch)
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with the transformed kernels `u` (`positions` matrices of `Cout × Cin`) packed
    /// once for the matrix products and the floats of one packed matrix, or with `nil` when the
    /// kernel cannot multiply packed matrices or the layer is a single block (then each product
    /// packs its matrix itself, once either way). Every block multiplies the same `positions`
    /// matrices, so a layer of many channels and few tiles (where a block's products are narrow)
    /// would otherwise spend most of its time packing them.
    private func withPackedKernels(_ u: UnsafePointer<Float>, _ body: (UnsafePointer<Float>?, Int) -> Void) {
        let cout = geometry.outChannels, cin = geometry.inChannels
        guard matrixProducts.multipliesPackedMatrices, blockCount > 1 else { return body(nil, 0) }
        let count = MatrixProductKernel.packedCount(m: cout, k: cin)
        WorkspaceCache.shared.withBuffer(count: positions * count) { packed in
            ComputeThreads.split(positions) { part in
                for xi in part {
                    matrixProducts.pack(
                        transposingA: false, m: cout, k: cin, a: u + xi * cout * cin, lda: cin, into: packed.baseAddress! + xi * count)
                }
            }
            body(UnsafePointer(packed.baseAddress!), count)
        }
    }

    /// Writes the gradients with respect to the input and the kernel (`nil` ones are skipped).
    package func backward(
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
        let g = geometry, cin = g.inChannels, cout = g.outChannels, lanes = lanes, taps = kernelTaps
        let count = positions * cout * cin
        WorkspaceCache.shared.withBuffer(count: count) { du in
            du.update(repeating: 0)
            forEachBlock(accumulator: count, into: du.baseAddress!) { block, v, gradProduct, scratch, sum in
                transformInput(x, block: block, into: v, scratch: scratch)
                withLayout { layout in
                    for o in 0..<cout {
                        wc_winograd_output_adjoint(
                            layout, dy + o * outputPlane, block.outputRuns, block.outputRuns.count, gradProduct + o * lanes,
                            cout * lanes, scratch)
                    }
                }
                if cout * cin <= Self.rowProductChannels {
                    wc_winograd_kernel_gradient(gradProduct, v, lanes, block.tiles, positions, Int32(cout), Int32(cin), sum!)
                    return
                }
                forEachPosition { xi in
                    matrixProducts.multiply(
                        transposingA: false, transposingB: true, m: cout, n: cin, k: block.tiles,
                        a: gradProduct + xi * cout * lanes, lda: lanes, b: v + xi * cin * lanes, ldb: lanes, beta: 1,
                        c: sum! + xi * cout * cin, ldc: cin)
                }
            }
            forEachKernelSlice { part in
                withLayout {
                    wc_winograd_kernel_adjoint(
                        $0, du.baseAddress! + part.lowerBound, cout * cin, part.count, gradKernel.baseAddress! + taps * part.lowerBound)
                }
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

    /// Runs `product(ξ)` for every transformed position `ξ`: in turn inside the worker of a block,
    /// or spread over the compute threads when the layer is a single block (few tiles and many
    /// channels, as in the late layers of a classifier), whose products would otherwise all run on
    /// one thread. Each `ξ` writes its own product, so the order does not change the result.
    private func forEachPosition(_ product: (Int) -> Void) {
        guard blockCount == 1 else {
            for xi in 0..<positions { product(xi) }
            return
        }
        ComputeThreads.split(positions) { part in
            for xi in part { product(xi) }
        }
    }

    /// Calls `body` with the C description of the layout.
    private func withLayout<Result>(_ body: (UnsafePointer<wc_winograd_layout>) -> Result) -> Result {
        withUnsafePointer(to: tiling.layout, body)
    }

    /// `V_ξ[c][lane]` of every channel of the block's tiles (rows of ``lanes`` floats).
    private func transformInput(
        _ x: UnsafePointer<Float>, block: WinogradTiling.Block, into v: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let g = geometry, lanes = lanes
        withLayout { layout in
            for c in 0..<g.inChannels {
                wc_winograd_input(
                    layout, x + c * inputPlane, block.inputRuns, block.inputRuns.count, v + c * lanes, g.inChannels * lanes, scratch)
            }
        }
    }

    /// Runs `body(block, v, product, scratch, accumulator)` for every block of tiles, spread
    /// over the compute threads: `v` holds `α²·Cin` rows and `product` `α²·Cout` rows of ``lanes``
    /// floats, `scratch` the transforms' scratch. With `accumulator > 0`, worker 0 accumulates
    /// into `destination` (zeroed by the caller) and the others into zeroed private buffers added
    /// to it at the end, in worker order.
    private func forEachBlock(
        accumulator: Int, into destination: UnsafeMutablePointer<Float>? = nil,
        _ body: (WinogradTiling.Block, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                 UnsafeMutablePointer<Float>?) -> Void
    ) {
        let blocks = blockCount
        guard blocks > 0 else { return }
        let workers = Swift.min(ComputeThreads.count, blocks)
        let transformed = positions * lanes
        let vCount = transformed * geometry.inChannels, productCount = transformed * geometry.outChannels
        let scratchCount = vCount + productCount + withLayout { Int(wc_winograd_scratch($0, tilesPerBlock)) }
        WorkspaceCache.shared.withBuffer(count: (workers - 1) * accumulator) { partials in
            partials.update(repeating: 0)
            BLASThreads.singleThreaded {
                concurrentPerform(workers) { worker in
                    let sum = destination == nil || worker == 0 ? destination : partials.baseAddress! + (worker - 1) * accumulator
                    WorkspaceCache.shared.withBuffer(count: scratchCount) { buffer in
                        let v = buffer.baseAddress!, product = v + vCount, scratch = product + productCount
                        for index in stride(from: worker, to: blocks, by: workers) {
                            body(tiling.block(index, size: tilesPerBlock), v, product, scratch, sum)
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
