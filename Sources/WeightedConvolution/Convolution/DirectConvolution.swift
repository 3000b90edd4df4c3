/// The direct convolution engine: im2col/vol2col packing (``ColumnLayout``) and single-precision
/// matrix products (``MatrixProductKernel``: the package's AVX-512 kernel or OpenBLAS), for any
/// spatial rank.
///
/// For a work item (`n` images of one group `g`) and a tile of `T` output positions
/// (`R = Cin/g·∏k` rows of the column matrix):
/// - forward: `out_g (Cout_g × nT) = K_g (Cout_g × R) · col (R × nT)`;
/// - kernel gradient: `∂K_g += ∂y_g (Cout_g × nT) · colᵀ`, accumulated over the batch;
/// - input gradient: `∂x += col2im(K_gᵀ · ∂y_g)`.
///
/// Large outputs are cut into tiles of output positions so that the column matrix stays in
/// the processor's cache; small outputs instead pack several images side by side (one wider
/// product). A 1×…×1 kernel with unit stride and no padding needs no packing: the input planes
/// already are the column matrix. With one output channel per group (depthwise convolutions)
/// the products would have a single row, so they are fused with the packing instead
/// (``ColumnLayout``'s row products) and the column matrix is never formed.
///
/// Work items are spread over worker threads, each running single-threaded products on scratch
/// buffers reused across calls (see ``Threading``). Results are deterministic: the split depends
/// only on the geometry and ``ComputeThreads/count``.
///
/// - Complexity: `2·B·Cout·(Cin/g)·∏k·∏y` flops per forward, twice that for the backward pass;
///   scratch memory `O(R·nT)` per worker.
public struct DirectConvolution: ConvolutionEngine {
    /// How the work of one call is spread over processors.
    public enum Threading: Sendable, Hashable, CaseIterable {
        /// Image workers when there are at least two work items, threaded products otherwise.
        case automatic
        /// One worker thread per processor, each taking whole work items (packing and products),
        /// with single-threaded products.
        case imageWorkers
        /// One thread packs every item; each matrix product is spread over the threads.
        case blasThreads
    }

    /// The geometry this engine computes (zero padding; its padding mode is ignored).
    public let geometry: ConvolutionGeometry
    /// How work is spread over processors.
    public let threading: Threading
    /// Images packed side by side into one column matrix (one product per chunk and group; always
    /// 1 for fused row products).
    public let imagesPerChunk: Int
    /// Output positions (columns of the column matrix) per tile.
    public let columnsPerTile: Int
    private let layout: ColumnLayout
    private let isPointwise: Bool
    /// One output channel per group: fused row products instead of packing and matrix products.
    private let isRowProduct: Bool
    /// Whether work items go to worker threads (else each matrix product is threaded).
    private let usesWorkers: Bool
    /// Threads per matrix product: one inside workers, all of them otherwise.
    private var productThreads: Int { usesWorkers ? 1 : ComputeThreads.count }

    /// Largest column-matrix tile, in elements: 8 MiB, a quarter of the L3 cache of the machine
    /// measured (`wconv bench conv`, 2 cores: untiled was up to 25 % slower on large outputs,
    /// 1 MiB tiles up to 8 % slower on 3×3 layers and half as fast when OpenBLAS threads the
    /// products).
    static let tileElements = 2 * 1024 * 1024
    /// Output positions per tile of a fused row product: 16 KiB of output, well inside L1.
    static let rowProductTile = 4096

    /// Prepares the engine for `geometry`.
    /// - Parameters:
    ///   - geometry: the resolved sizes (only zero padding is applied).
    ///   - threading: how work is spread over processors.
    ///   - imagesPerChunk: images per matrix product, or `nil` to choose from the output size
    ///     (small outputs gain from wider products).
    ///   - columnsPerTile: output positions per tile of single-image products and fused row
    ///     products, or `nil` to choose from the cache budget (chunked and unpacked pointwise
    ///     products always cover every position).
    public init(
        geometry: ConvolutionGeometry, threading: Threading = .automatic, imagesPerChunk: Int? = nil,
        columnsPerTile: Int? = nil
    ) {
        precondition(imagesPerChunk.map { $0 >= 1 } ?? true, "imagesPerChunk must be ≥ 1")
        precondition(columnsPerTile.map { $0 >= 1 } ?? true, "columnsPerTile must be ≥ 1")
        let layout = ColumnLayout(geometry: geometry)
        let isPointwise = geometry.kernelSize.allSatisfy { $0 == 1 } && geometry.stride.allSatisfy { $0 == 1 }
            && geometry.isUnpadded
        let isRowProduct = geometry.outChannels == geometry.groups
        let chunk = isRowProduct ? 1 : Swift.max(1, imagesPerChunk ?? Self.defaultChunk(geometry, positions: layout.positions))
        self.geometry = geometry
        self.threading = threading
        self.layout = layout
        self.isPointwise = isPointwise
        self.isRowProduct = isRowProduct
        self.imagesPerChunk = chunk
        let items = (geometry.batch + chunk - 1) / chunk * geometry.groups
        self.usesWorkers = switch threading {
        case .automatic: items >= 2 && ComputeThreads.count >= 2
        case .imageWorkers: true
        case .blasThreads: false
        }
        self.columnsPerTile = if chunk > 1 || (isPointwise && !isRowProduct) {
            layout.positions
        } else if let columnsPerTile {
            Swift.min(columnsPerTile, layout.positions)
        } else if isRowProduct {
            Self.balancedTile(positions: layout.positions, largest: Self.rowProductTile)
        } else {
            Self.balancedTile(positions: layout.positions, largest: Swift.max(64, Self.tileElements / layout.rows))
        }
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

    private var inGroup: Int { geometry.inChannels / geometry.groups }
    private var outGroup: Int { geometry.outChannels / geometry.groups }
    private var chunkCount: Int { (geometry.batch + imagesPerChunk - 1) / imagesPerChunk }
    /// Scratch floats per worker: the column tile, and for chunks the product or gathered ∂y.
    private var scratchCount: Int {
        if isRowProduct { return 0 }
        let width = imagesPerChunk * columnsPerTile
        return layout.rows * width + (imagesPerChunk > 1 ? outGroup * width : 0)
    }

    /// The images of one work item and its group.
    private struct Item {
        let firstImage: Int, images: Int, group: Int
    }

    /// Writes `conv(input, kernel)` into `output`.
    public func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>
    ) {
        guard let x = input.baseAddress, let k = kernel.baseAddress, let y = output.baseAddress else { return }
        let rows = layout.rows, positions = layout.positions, outGroup = outGroup
        run(scratch: scratchCount, accumulator: 0) { item, scratch, _ in
            let kg = k + item.group * outGroup * rows
            if isRowProduct {
                let x = groupInput(x, image: item.firstImage, group: item.group)
                let out = y + outputOffset(image: item.firstImage, group: item.group)
                forEachTile { part, width in
                    (out + part.lowerBound).update(repeating: 0, count: width)
                    layout.multiplyAdding(x, weights: kg, into: out + part.lowerBound, positions: part)
                }
                return
            }
            forEachTile { part, width in
                let columns = columnMatrix(of: item, positions: part, input: x, scratch: scratch)
                let out = y + outputOffset(image: item.firstImage, group: item.group)
                guard item.images > 1 else {
                    gemm(.no, .no, outGroup, width, rows, kg, rows, columns, width, 0, out + part.lowerBound, positions, threads: productThreads)
                    return
                }
                let ld = item.images * width, product = scratch + rows * ld
                gemm(.no, .no, outGroup, ld, rows, kg, rows, columns, ld, 0, product, ld, threads: productThreads)
                for i in 0..<item.images {
                    let dst = out + i * geometry.outChannels * positions
                    for o in 0..<outGroup { (dst + o * positions).update(from: product + o * ld + i * positions, count: positions) }
                }
            }
        }
    }

    /// Writes the gradients with respect to the input and the kernel (`nil` ones are skipped).
    public func backward(
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
        let rows = layout.rows, positions = layout.positions, outGroup = outGroup, inGroup = inGroup
        let inputImage = geometry.inChannels * layout.inputPlane, outputImage = geometry.outChannels * positions
        let gx = gradInput?.baseAddress, gk = gradKernel?.baseAddress
        run(scratch: scratchCount, accumulator: gk == nil ? 0 : kernel.count, into: gk) { item, scratch, sum in
            let kg = k + item.group * outGroup * rows
            let gxFirst = gx.map { $0 + (item.firstImage * geometry.inChannels + item.group * inGroup) * layout.inputPlane }
            let dyFirst = gy + outputOffset(image: item.firstImage, group: item.group)
            let unpacked = isPointwise && item.images == 1 && !isRowProduct
            if let gxFirst, !unpacked {
                for i in 0..<item.images { (gxFirst + i * inputImage).update(repeating: 0, count: inGroup * layout.inputPlane) }
            }
            if isRowProduct {
                let x = groupInput(x, image: item.firstImage, group: item.group)
                forEachTile { part, _ in
                    let dy = dyFirst + part.lowerBound
                    if let sum { layout.correlateAdding(x, gradOutput: dy, into: sum + item.group * rows, positions: part) }
                    if let gxFirst { layout.scatterAdding(dy, weights: kg, into: gxFirst, positions: part) }
                }
                return
            }
            forEachTile { part, width in
                let columns = columnMatrix(of: item, positions: part, input: x, scratch: scratch)
                let n = item.images * width
                // ∂y of the tile as a (Cout_g × n) matrix with leading dimension `ldy`.
                var dy = dyFirst + part.lowerBound, ldy = positions
                if item.images > 1 {
                    let gathered = scratch + rows * n
                    for i in 0..<item.images {
                        for o in 0..<outGroup {
                            (gathered + o * n + i * positions).update(from: dyFirst + i * outputImage + o * positions, count: positions)
                        }
                    }
                    (dy, ldy) = (UnsafePointer(gathered), n)
                }
                if let sum {
                    gemm(.no, .yes, outGroup, rows, n, dy, ldy, columns, n, 1, sum + item.group * outGroup * rows, rows, threads: productThreads)
                }
                guard let gxFirst else { return }
                if unpacked {
                    gemm(.yes, .no, rows, n, outGroup, kg, rows, dy, ldy, 0, gxFirst, positions, threads: productThreads)
                    return
                }
                gemm(.yes, .no, rows, n, outGroup, kg, rows, dy, ldy, 0, scratch, n, threads: productThreads)
                for i in 0..<item.images {
                    layout.unpackAdding(scratch + i * width, ld: n, positions: part, into: gxFirst + i * inputImage)
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

    /// The column matrix of `item` for the output positions `part`: the input itself for an unpacked
    /// pointwise product, else the images' tiles packed side by side into `scratch`.
    private func columnMatrix(
        of item: Item, positions part: Range<Int>, input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        if isPointwise && item.images == 1 { return groupInput(input, image: item.firstImage, group: item.group) }
        let width = part.count, ld = item.images * width
        for i in 0..<item.images {
            layout.pack(
                groupInput(input, image: item.firstImage + i, group: item.group), into: scratch + i * width, ld: ld,
                positions: part)
        }
        return UnsafePointer(scratch)
    }

    /// The first input plane of `group` in `image`.
    private func groupInput(_ input: UnsafePointer<Float>, image: Int, group: Int) -> UnsafePointer<Float> {
        input + (image * geometry.inChannels + group * inGroup) * layout.inputPlane
    }

    private func outputOffset(image: Int, group: Int) -> Int {
        (image * geometry.outChannels + group * outGroup) * layout.positions
    }

    /// Runs `body(item, scratch, accumulator)` for every work item, spread over workers. Each
    /// worker borrows `scratch` floats; with `accumulator > 0`, worker 0 accumulates into
    /// `destination` (already zeroed) and the others into zeroed private buffers that are added
    /// to `destination` at the end.
    private func run(
        scratch: Int, accumulator: Int, into destination: UnsafeMutablePointer<Float>? = nil,
        _ body: (Item, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void
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
                for index in 0..<itemCount { body(item(index), buffer.baseAddress!, destination) }
            }
            return
        }
        let workers = Swift.min(ComputeThreads.count, itemCount)
        let extra = destination == nil ? 0 : (workers - 1) * accumulator
        WorkspaceCache.shared.withBuffer(count: extra) { partials in
            partials.update(repeating: 0)
            BLASThreads.singleThreaded {
                concurrentPerform(workers) { worker in
                    let sum = worker == 0 ? destination : partials.baseAddress! + (worker - 1) * accumulator
                    WorkspaceCache.shared.withBuffer(count: scratch) { buffer in
                        for index in stride(from: worker, to: itemCount, by: workers) {
                            body(item(index), buffer.baseAddress!, sum)
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
}
