import CMatrixProduct
import GridCore

/// The direct convolution engine: single-precision matrix products (``MatrixProductKernel``: the
/// package's AVX-512 kernel or OpenBLAS) over the im2col/vol2col column matrix, for any
/// spatial rank.
///
/// For a work item (`n` images of one group `g`, `P = ∏y` output positions each, `R = Cin/g·∏k`
/// rows of the column matrix `col`):
/// - forward: `out_g (Cout_g × nP) = K_g (Cout_g × R) · col (R × nP)`;
/// - kernel gradient: `∂K_g += ∂y_g (Cout_g × nP) · colᵀ`, accumulated over the batch;
/// - input gradient, with unit strides and padding within the dilated kernel: the forward pass of
///   the adjoint convolution (``adjointGeometry(of:)``: `∂y` padded by the rest of the kernel's
///   reach, the kernel flipped and its channel axes swapped), else `∂x += col2im(K_gᵀ · ∂y_g)`.
///
/// The column matrix is never written out: the products read it through offsets into the input
/// (a ``GatheredMatrix`` per work item), copied into a zero-bordered scratch buffer when the convolution pads.
/// Small outputs pack several images side by side (one wider product). With one output channel
/// per group (depthwise convolutions) the products would have a single row; they run line by
/// line instead (`wc_line_products`, `wc_line_correlations`), each output line kept in L1
/// while every tap is added onto it. With few output channels per group along long output
/// lines (``usesLineKernels``, e.g. 1-D layers), packing the columns would not be amortised:
/// the forward pass reads the input directly in blocks of 8 kernel rows × 48 positions
/// (`wc_line_block_products`), and the kernel gradient is dot products of rows in 4 × 4 blocks
/// (`wc_row_dot_products`).
///
/// Work items are spread over worker threads, each running single-threaded products on scratch
/// buffers reused across calls (see ``Threading``). Results are deterministic: the split depends
/// only on the geometry and `ComputeThreads.count`.
///
/// - Complexity: `2·B·Cout·(Cin/g)·∏k·∏y` flops per forward, twice that for the backward pass;
///   scratch memory per worker: the padded images of a chunk, `O(Cout_g·nP)` for chunks, and
///   for col2im or outputs beyond a million positions one tile of columns or offsets.
package struct DirectConvolution: ConvolutionEngine {
    /// How the work of one call is spread over processors.
    package enum Threading: Sendable, Hashable, CaseIterable {
        /// Image workers when there are at least two work items, threaded products otherwise.
        case automatic
        /// One worker thread per processor, each taking whole work items (packing and products),
        /// with single-threaded products.
        case imageWorkers
        /// One thread runs the items in turn; each matrix product is spread over the threads.
        case threadedProducts
    }

    /// The geometry this engine computes (zero padding; its padding mode is ignored).
    package let geometry: ConvolutionGeometry
    /// How work is spread over processors.
    package let threading: Threading
    /// The kernel that runs the matrix products.
    package let matrixProducts: MatrixProductKernel
    /// Images side by side in one column matrix (one product per chunk and group; always 1 for
    /// line products).
    package let imagesPerChunk: Int
    /// Output positions per tile of the products of single images (and of their col2im when
    /// there is no adjoint).
    package let columnsPerTile: Int
    private let layout: ColumnLayout
    private let columns: GatheredColumns
    /// One output channel per group: line products instead of matrix products.
    private let isRowProduct: Bool
    /// Whether the products run line by line without packed columns: one image per item, unit
    /// stride along long output lines, and few output channels per group, over which packing
    /// the columns would not be amortised and the 12 × 32 tiles of the kernel gradient's product
    /// would be mostly empty. The forward pass (and the adjoint's, the input gradient) then runs
    /// `wc_line_block_products`, the kernel gradient ``rowDotKernelGradient(source:gradOutput:into:)``.
    package let usesLineKernels: Bool
    /// Whether work items go to worker threads (else each matrix product is threaded).
    private let usesWorkers: Bool
    /// The engine whose forward pass computes this one's input gradient, if there is one.
    private let adjoint: Adjoint?
    /// Threads per matrix product: one inside workers, all of them otherwise.
    private var productThreads: Int { usesWorkers ? 1 : ComputeThreads.count }

    /// A reference to the adjoint engine (a struct cannot contain its own type).
    private final class Adjoint: Sendable {
        let engine: DirectConvolution
        init(_ engine: DirectConvolution) { self.engine = engine }
    }

    /// Elements of the column matrix per tile of a single image's products (8 MiB, a quarter of the
    /// L3 cache of the machine measured; it bounds the col2im buffer and the per-tile offsets).
    static let tileElements = 2 * 1024 * 1024
    /// Output positions per tile of a depthwise layer's col2im: 16 KiB of output, inside L1.
    static let rowProductTile = 4096

    /// Shortest output line and most output channels per group for which the products run line
    /// by line (``usesLineKernels``).
    package static let lineKernelLength = 256, lineKernelOutputs = 16

    /// Prepares the engine for `geometry`.
    /// - Parameters:
    ///   - geometry: the resolved sizes (only zero padding is applied).
    ///   - threading: how work is spread over processors.
    ///   - matrixProducts: the kernel that runs the matrix products (the processor's preferred one
    ///     by default).
    ///   - imagesPerChunk: images per matrix product, or `nil` to choose from the output size
    ///     (small outputs gain from wider products).
    ///   - columnsPerTile: output positions per tile of the products of single images (and of
    ///     their col2im), or `nil` to choose from the cache budget.
    /// - Precondition: `matrixProducts` ``MatrixProductKernel/isAvailable``.
    package init(
        geometry: ConvolutionGeometry, threading: Threading = .automatic, matrixProducts: MatrixProductKernel = .preferred,
        imagesPerChunk: Int? = nil, columnsPerTile: Int? = nil
    ) {
        self.init(
            geometry: geometry, threading: threading, matrixProducts: matrixProducts, imagesPerChunk: imagesPerChunk,
            columnsPerTile: columnsPerTile, withAdjoint: true)
    }

    private init(
        geometry: ConvolutionGeometry, threading: Threading, matrixProducts: MatrixProductKernel, imagesPerChunk: Int?,
        columnsPerTile: Int?, withAdjoint: Bool
    ) {
        precondition(matrixProducts.isAvailable, "\(matrixProducts.rawValue) matrix products need a processor with AVX-512F")
        precondition(imagesPerChunk.map { $0 >= 1 } ?? true, "imagesPerChunk must be ≥ 1")
        precondition(columnsPerTile.map { $0 >= 1 } ?? true, "columnsPerTile must be ≥ 1")
        let layout = ColumnLayout(geometry: geometry)
        let isRowProduct = geometry.outChannels == geometry.groups
        let chunk = isRowProduct ? 1 : Swift.max(1, imagesPerChunk ?? Self.defaultChunk(geometry, positions: layout.positions))
        self.geometry = geometry
        self.threading = threading
        self.matrixProducts = matrixProducts
        self.layout = layout
        self.columns = GatheredColumns(geometry: geometry, images: isRowProduct ? 0 : chunk)
        self.isRowProduct = isRowProduct
        self.imagesPerChunk = chunk
        self.usesLineKernels = !isRowProduct && chunk == 1 && geometry.stride.last == 1
            && geometry.outputSize.last! >= Self.lineKernelLength && geometry.outChannels / geometry.groups <= Self.lineKernelOutputs
        let items = (geometry.batch + chunk - 1) / chunk * geometry.groups
        self.usesWorkers = switch threading {
        case .automatic: items >= 2 && ComputeThreads.count >= 2
        case .imageWorkers: true
        case .threadedProducts: false
        }
        self.columnsPerTile = if chunk > 1 {
            layout.positions
        } else if let columnsPerTile {
            Swift.min(columnsPerTile, layout.positions)
        } else if isRowProduct {
            Self.balancedTile(positions: layout.positions, largest: Self.rowProductTile)
        } else {
            Self.balancedTile(positions: layout.positions, largest: Swift.max(64, Self.tileElements / layout.rows))
        }
        self.adjoint = withAdjoint ? Self.adjointGeometry(of: geometry).map {
            Adjoint(DirectConvolution(
                geometry: $0, threading: threading, matrixProducts: matrixProducts, imagesPerChunk: imagesPerChunk,
                columnsPerTile: columnsPerTile, withAdjoint: false))
        } : nil
    }

    /// The convolution whose forward pass is the input gradient of `g`, when `g` has unit strides
    /// and pads by at most the dilated kernel's reach `r = dilation·(k − 1)` on each side: input
    /// `∂y` padded by `r − low` and `r − high`, kernel `K'[c, o, q] = K[o, c, flipped q]` (per
    /// group), output the shape of `x`. `nil` otherwise.
    package static func adjointGeometry(of g: ConvolutionGeometry) -> ConvolutionGeometry? {
        let reach = (0..<g.spatialRank).map { g.dilation[$0] * (g.kernelSize[$0] - 1) }
        guard g.stride.allSatisfy({ $0 == 1 }),
              (0..<g.spatialRank).allSatisfy({ g.padLow[$0] <= reach[$0] && g.padHigh[$0] <= reach[$0] })
        else { return nil }
        let options = ConvolutionOptions(
            padding: .explicit(
                low: (0..<g.spatialRank).map { reach[$0] - g.padLow[$0] },
                high: (0..<g.spatialRank).map { reach[$0] - g.padHigh[$0] }),
            dilation: g.dilation, groups: g.groups)
        return try? ConvolutionGeometry(
            inputShape: [g.batch, g.outChannels] + g.outputSize,
            kernelShape: [g.inChannels, g.outChannels / g.groups] + g.kernelSize, options: options)
    }

    /// The width of equal tiles (a multiple of 16 columns) covering `positions` with tiles of at
    /// most about `largest` columns.
    private static func balancedTile(positions: Int, largest: Int) -> Int {
        let tiles = (positions + largest - 1) / largest
        return Swift.min(positions, ((positions + tiles - 1) / tiles + 15) / 16 * 16)
    }

    /// Small outputs make thin products; pack images side by side up to about 1024 columns while
    /// leaving at least two work items per processor.
    private static func defaultChunk(_ g: ConvolutionGeometry, positions: Int) -> Int {
        let wide = Swift.max(1, 1024 / Swift.max(positions, 1))
        let itemsWanted = 2 * ComputeThreads.count
        let limit = Swift.max(1, g.batch * g.groups / itemsWanted)
        return Swift.min(wide, limit, Swift.max(g.batch, 1))
    }

    /// The bytes of the offset tables, this engine's and its adjoint's.
    package var retainedBytes: Int { columns.retainedBytes + (adjoint?.engine.retainedBytes ?? 0) }

    private var inGroup: Int { geometry.inChannels / geometry.groups }
    private var outGroup: Int { geometry.outChannels / geometry.groups }
    private var chunkCount: Int { (geometry.batch + imagesPerChunk - 1) / imagesPerChunk }
    private var inputImage: Int { geometry.inChannels * layout.inputPlane }
    /// Scratch floats per worker for the padded input of a chunk.
    private var paddedCount: Int { columns.paddedCount(images: imagesPerChunk) }
    /// Scratch floats per worker for a chunk's product (forward) or gathered `∂y` (backward).
    private var chunkScratch: Int { imagesPerChunk > 1 ? outGroup * imagesPerChunk * layout.positions : 0 }

    /// The images of one work item and its group.
    private struct Item {
        let firstImage: Int, images: Int, group: Int
    }

    /// Writes `conv(input, kernel)` into `output`.
    package func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>
    ) {
        guard let x = input.baseAddress, let k = kernel.baseAddress, let y = output.baseAddress else { return }
        let rows = layout.rows, positions = layout.positions, outGroup = outGroup, padded = paddedCount
        run(scratch: padded + chunkScratch, padded: padded, accumulator: 0) { item, scratch, indices, _ in
            let kg = k + item.group * outGroup * rows
            let out = y + outputOffset(image: item.firstImage, group: item.group)
            let source = columns.source(
                groupInput(x, image: item.firstImage, group: item.group), images: item.images, imageStride: inputImage,
                padded: scratch)
            if isRowProduct {
                columns.withLines(base: source) { wc_line_products($0.x, $0.lines, $0.count, $0.length, $0.step, $0.taps, rows, kg, out) }
                return
            }
            if usesLineKernels {
                columns.withLines(base: source) {
                    wc_line_block_products(outGroup, kg, rows, $0.x, $0.lines, $0.count, $0.length, $0.taps, out, positions)
                }
                return
            }
            guard item.images > 1 else {
                forEachTile { part, width in
                    columns.withMatrix(base: source, images: 1, positions: part, indices: indices) { col in
                        matrixProducts.multiply(
                            transposingA: false, m: outGroup, n: width, k: rows, a: kg, lda: rows, gathering: col, beta: 0,
                            c: out + part.lowerBound, ldc: positions, threads: productThreads)
                    }
                }
                return
            }
            let n = item.images * positions, product = scratch + padded
            columns.withMatrix(base: source, images: item.images, positions: 0..<positions, indices: indices) { col in
                matrixProducts.multiply(
                    transposingA: false, m: outGroup, n: n, k: rows, a: kg, lda: rows, gathering: col, beta: 0,
                    c: product, ldc: n, threads: productThreads)
            }
            for i in 0..<item.images {
                let dst = out + i * geometry.outChannels * positions
                for o in 0..<outGroup { (dst + o * positions).update(from: product + o * n + i * positions, count: positions) }
            }
        }
    }

    /// Writes the gradients with respect to the input and the kernel (`nil` ones are skipped).
    package func backward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>,
        gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?
    ) {
        gradKernel?.update(repeating: 0)
        guard gradInput != nil || gradKernel != nil,
              let x = input.baseAddress, let k = kernel.baseAddress, let gy = gradOutput.baseAddress
        else {
            gradInput?.update(repeating: 0)
            return
        }
        if let adjoint, let gradInput {
            WorkspaceCache.shared.withBuffer(count: kernel.count) { flipped in
                geometry.writeAdjointKernel(k, into: flipped.baseAddress!)
                adjoint.engine.forward(input: gradOutput, kernel: UnsafeBufferPointer(flipped), output: gradInput)
            }
        }
        let gx = adjoint == nil ? gradInput?.baseAddress : nil, gk = gradKernel?.baseAddress
        guard gx != nil || gk != nil else { return }
        let rows = layout.rows, positions = layout.positions, outGroup = outGroup, inGroup = inGroup
        let outputImage = geometry.outChannels * positions, padded = paddedCount
        let col2imCount = gx == nil || isRowProduct ? 0 : rows * imagesPerChunk * columnsPerTile
        let scratchCount = padded + chunkScratch + col2imCount
        run(scratch: scratchCount, padded: padded, accumulator: gk == nil ? 0 : kernel.count, into: gk) { item, scratch, indices, sum in
            let kg = k + item.group * outGroup * rows
            let gxFirst = gx.map { $0 + (item.firstImage * geometry.inChannels + item.group * inGroup) * layout.inputPlane }
            let dyFirst = gy + outputOffset(image: item.firstImage, group: item.group)
            if let gxFirst {
                for i in 0..<item.images { (gxFirst + i * inputImage).update(repeating: 0, count: inGroup * layout.inputPlane) }
            }
            if isRowProduct {
                if let sum {
                    let source = columns.source(
                        groupInput(x, image: item.firstImage, group: item.group), images: 1, imageStride: inputImage,
                        padded: scratch)
                    columns.withLines(base: source) {
                        wc_line_correlations($0.x, $0.lines, $0.count, $0.length, $0.step, $0.taps, rows, dyFirst, sum + item.group * rows)
                    }
                }
                if let gxFirst {
                    forEachTile { part, _ in layout.scatterAdding(dyFirst + part.lowerBound, weights: kg, into: gxFirst, positions: part) }
                }
                return
            }
            // ∂y of the item as a (Cout_g × n) matrix with leading dimension `ldy`.
            let n = item.images * positions
            var dy = dyFirst, ldy = positions
            if item.images > 1 {
                let gathered = scratch + padded
                for i in 0..<item.images {
                    for o in 0..<outGroup {
                        (gathered + o * n + i * positions).update(from: dyFirst + i * outputImage + o * positions, count: positions)
                    }
                }
                (dy, ldy) = (UnsafePointer(gathered), n)
            }
            if let sum, usesLineKernels {
                let source = columns.source(
                    groupInput(x, image: item.firstImage, group: item.group), images: 1, imageStride: inputImage,
                    padded: scratch)
                rowDotKernelGradient(source: source, gradOutput: dy, into: sum + item.group * outGroup * rows)
            } else if let sum {
                let source = columns.source(
                    groupInput(x, image: item.firstImage, group: item.group), images: item.images, imageStride: inputImage,
                    padded: scratch)
                forEachTile { part, width in
                    let dyTile = item.images > 1 ? dy : dy + part.lowerBound
                    columns.withMatrix(base: source, images: item.images, positions: part, indices: indices, transposed: true) { colT in
                        matrixProducts.multiply(
                            transposingA: false, m: outGroup, n: rows, k: item.images * width, a: dyTile, lda: ldy, gathering: colT,
                            beta: 1, c: sum + item.group * outGroup * rows, ldc: rows, threads: productThreads)
                    }
                }
            }
            guard let gxFirst else { return }
            let product = scratch + padded + chunkScratch
            forEachTile { part, width in
                let n = item.images * width, dyTile = item.images > 1 ? dy : dy + part.lowerBound
                matrixProducts.multiply(
                    transposingA: true, transposingB: false, m: rows, n: n, k: outGroup, a: kg, lda: rows, b: dyTile, ldb: ldy,
                    beta: 0, c: product, ldc: n, threads: productThreads)
                for i in 0..<item.images {
                    layout.unpackAdding(product + i * width, ld: n, positions: part, into: gxFirst + i * inputImage)
                }
            }
        }
    }

    /// `∂K_g += ∂y_g · colᵀ` for one image as dot products of rows (`wc_row_dot_products`), line
    /// by line: each output line of `∂y_g` (`Cout_g` rows of `length` floats) against the rows of
    /// the column matrix, which along a line with unit stride are `length` consecutive input floats.
    private func rowDotKernelGradient(source: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, into sum: UnsafeMutablePointer<Float>) {
        let outGroup = outGroup, positions = layout.positions
        withUnsafeTemporaryAllocation(of: Int.self, capacity: outGroup) { outRows in
            for o in 0..<outGroup { outRows[o] = o * positions }
            columns.withLines(base: source) { lines in
                for l in 0..<lines.count {
                    wc_row_dot_products(
                        outGroup, layout.rows, lines.length, dy + l * lines.length, outRows.baseAddress!, lines.x + lines.lines[l],
                        lines.taps, sum, layout.rows)
                }
            }
        }
    }

    /// Calls `body(positions, width)` for each tile of output positions, `width` being its size.
    @inline(__always)
    private func forEachTile(_ body: (Range<Int>, Int) -> Void) {
        for first in stride(from: 0, to: layout.positions, by: columnsPerTile) {
            let part = first..<Swift.min(first + columnsPerTile, layout.positions)
            body(part, part.count)
        }
    }

    /// The first input plane of `group` in `image`.
    private func groupInput(_ input: UnsafePointer<Float>, image: Int, group: Int) -> UnsafePointer<Float> {
        input + (image * geometry.inChannels + group * inGroup) * layout.inputPlane
    }

    private func outputOffset(image: Int, group: Int) -> Int {
        (image * geometry.outChannels + group * outGroup) * layout.positions
    }

    /// Runs `body(item, scratch, indices, accumulator)` for every work item, spread over workers.
    /// Each worker borrows `scratch` floats, the first `padded` of them zeroed (the borders of the
    /// padded input copies, which items never write), and, when the column offsets are filled per
    /// tile, room for one tile of them (`indices`, else `nil`); with `accumulator > 0`, worker 0 accumulates into
    /// `destination` (already zeroed) and the others into zeroed private buffers that are added
    /// to `destination` at the end.
    private func run(
        scratch: Int, padded: Int, accumulator: Int, into destination: UnsafeMutablePointer<Float>? = nil,
        _ body: (Item, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Float>?) -> Void
    ) {
        let groups = geometry.groups
        let itemCount = chunkCount * groups
        guard itemCount > 0 else { return }
        let item = { (index: Int) in
            let chunk = index / groups
            let first = chunk * imagesPerChunk
            return Item(firstImage: first, images: Swift.min(imagesPerChunk, geometry.batch - first), group: index % groups)
        }
        guard usesWorkers else {
            WorkspaceCache.shared.withBuffer(count: scratch) { buffer in
                buffer.baseAddress!.update(repeating: 0, count: padded)
                withColumnIndices { indices in
                    for index in 0..<itemCount { body(item(index), buffer.baseAddress!, indices, destination) }
                }
            }
            return
        }
        let workers = Swift.min(ComputeThreads.count, itemCount)
        let extra = destination == nil ? 0 : (workers - 1) * accumulator
        WorkspaceCache.shared.withBuffer(count: extra) { partials in
            partials.update(repeating: 0)
            BLASThreads.singleThreaded {
                concurrentPerform(workers) { worker in
                    // No accumulator at all without a destination (worker 0's nil says "skip").
                    let sum = destination == nil || worker == 0 ? destination : partials.baseAddress! + (worker - 1) * accumulator
                    WorkspaceCache.shared.withBuffer(count: scratch) { buffer in
                        buffer.baseAddress!.update(repeating: 0, count: padded)
                        withColumnIndices { indices in
                            for index in stride(from: worker, to: itemCount, by: workers) {
                                body(item(index), buffer.baseAddress!, indices, sum)
                            }
                        }
                    }
                }
            }
            guard let destination else { return }
            for worker in 1..<workers {
                let partial = partials.baseAddress! + (worker - 1) * accumulator
                for i in 0..<accumulator { destination[i] += partial[i] }
            }
        }
    }

    /// Calls `body` with room for one tile of column offsets when they are filled per tile (one
    /// allocation per worker and call, for outputs beyond ``GatheredColumns/tableLimit``), else `nil`.
    private func withColumnIndices(_ body: (UnsafeMutablePointer<Int>?) -> Void) {
        guard columns.fillsColumns && !isRowProduct else { return body(nil) }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: columnsPerTile) { body($0.baseAddress!) }
    }
}
