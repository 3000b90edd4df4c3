import CBLAS

/// The direct convolution engine: im2col/vol2col packing (``ColumnLayout``) and single-precision
/// BLAS matrix products, for any spatial rank.
///
/// For a chunk of `n` images and a group `g` (`P = ∏y` output positions, `R = Cin/g·∏k` rows):
/// - forward: `out_g (Cout_g × nP) = K_g (Cout_g × R) · col (R × nP)`;
/// - kernel gradient: `∂K_g += ∂y_g (Cout_g × nP) · colᵀ`, accumulated over the batch;
/// - input gradient: `∂x = col2im(K_gᵀ · ∂y_g)`.
///
/// A 1×…×1 kernel with unit stride and no padding needs no packing: the input planes already
/// are the column matrix. Work items (chunks of images × groups) are spread over worker threads,
/// each running single-threaded matrix products on scratch buffers reused across calls
/// (see ``Threading``). Results are deterministic: the split depends only on the geometry.
///
/// - Complexity: `2·B·Cout·(Cin/g)·∏k·∏y` flops per forward, twice that for the backward pass;
///   scratch memory `O(R·nP)` per worker.
public struct DirectConvolution: ConvolutionEngine {
    /// How the work of one call is spread over processors.
    public enum Threading: Sendable, Hashable, CaseIterable {
        /// Image workers when there are at least two work items, BLAS threads otherwise.
        case automatic
        /// One worker thread per processor, each taking whole work items (packing and products),
        /// with single-threaded BLAS.
        case imageWorkers
        /// One thread packs every item; OpenBLAS parallelises each matrix product itself.
        case blasThreads
    }

    /// The geometry this engine computes (zero padding; its padding mode is ignored).
    public let geometry: ConvolutionGeometry
    /// How work is spread over processors.
    public let threading: Threading
    /// Images packed side by side into one column matrix (one product per chunk and group).
    public let imagesPerChunk: Int
    private let layout: ColumnLayout
    private let isPointwise: Bool

    /// Prepares the engine for `geometry`.
    /// - Parameters:
    ///   - geometry: the resolved sizes (only zero padding is applied).
    ///   - threading: how work is spread over processors.
    ///   - imagesPerChunk: images per matrix product, or `nil` to choose from the output size
    ///     (small outputs gain from wider products).
    public init(geometry: ConvolutionGeometry, threading: Threading = .automatic, imagesPerChunk: Int? = nil) {
        precondition(imagesPerChunk.map { $0 >= 1 } ?? true, "imagesPerChunk must be ≥ 1")
        self.geometry = geometry
        self.threading = threading
        self.layout = ColumnLayout(geometry: geometry)
        self.isPointwise = geometry.kernelSize.allSatisfy { $0 == 1 } && geometry.stride.allSatisfy { $0 == 1 }
            && geometry.isUnpadded
        self.imagesPerChunk = Swift.max(1, imagesPerChunk ?? Self.defaultChunk(geometry, positions: layout.positions))
    }

    /// Small outputs make thin products; pack images side by side up to about 1024 columns while
    /// leaving at least two work items per processor.
    private static func defaultChunk(_ g: ConvolutionGeometry, positions: Int) -> Int {
        let wide = Swift.max(1, 1024 / Swift.max(positions, 1))
        let itemsWanted = 2 * BLASThreads.processorCount
        let limit = Swift.max(1, g.batch * g.groups / itemsWanted)
        return Swift.min(wide, limit, Swift.max(g.batch, 1))
    }

    private var inGroup: Int { geometry.inChannels / geometry.groups }
    private var outGroup: Int { geometry.outChannels / geometry.groups }
    private var chunkCount: Int { (geometry.batch + imagesPerChunk - 1) / imagesPerChunk }

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
        let width = imagesPerChunk * positions
        run(scratch: rows * width + (imagesPerChunk > 1 ? outGroup * width : 0), accumulator: 0) { item, scratch, _ in
            let columns = columnMatrix(of: item, input: x, scratch: scratch)
            let ld = item.images * positions
            let kg = k + item.group * outGroup * rows
            let direct = item.images == 1
            let product = direct ? y + outputOffset(image: item.firstImage, group: item.group) : scratch + rows * width
            gemm(.no, .no, outGroup, item.images * positions, rows, kg, rows, columns, ld, 0, product, ld)
            if !direct {
                for i in 0..<item.images {
                    let dst = y + outputOffset(image: item.firstImage + i, group: item.group)
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
        let width = imagesPerChunk * positions
        let gx = gradInput?.baseAddress, gk = gradKernel?.baseAddress
        let gathered = imagesPerChunk > 1 ? outGroup * width : 0
        run(scratch: rows * width + gathered, accumulator: gk == nil ? 0 : kernel.count, into: gk) { item, scratch, sum in
            let columns = columnMatrix(of: item, input: x, scratch: scratch)
            let ld = item.images * positions
            // ∂y of the item as a (Cout_g × n·P) matrix.
            let dy: UnsafePointer<Float>
            if item.images == 1 {
                dy = gy + outputOffset(image: item.firstImage, group: item.group)
            } else {
                let g = scratch + rows * width
                for i in 0..<item.images {
                    let src = gy + outputOffset(image: item.firstImage + i, group: item.group)
                    for o in 0..<outGroup { (g + o * ld + i * positions).update(from: src + o * positions, count: positions) }
                }
                dy = UnsafePointer(g)
            }
            let n = item.images * positions
            if let sum {
                gemm(.no, .yes, outGroup, rows, n, dy, ld, columns, ld, 1, sum + item.group * outGroup * rows, rows)
            }
            guard let gx else { return }
            let kg = k + item.group * outGroup * rows
            let first = gx + (item.firstImage * geometry.inChannels + item.group * inGroup) * layout.inputPlane
            if isPointwise && item.images == 1 {
                gemm(.yes, .no, rows, n, outGroup, kg, rows, dy, ld, 0, first, ld)
                return
            }
            gemm(.yes, .no, rows, n, outGroup, kg, rows, dy, ld, 0, scratch, ld)
            for i in 0..<item.images {
                let block = first + i * geometry.inChannels * layout.inputPlane
                block.update(repeating: 0, count: inGroup * layout.inputPlane)
                layout.unpackAdding(scratch + i * positions, ld: ld, into: block)
            }
        }
    }

    /// The column matrix of `item`: the input itself for an unpacked pointwise product, else
    /// the images packed side by side into `scratch`.
    private func columnMatrix(of item: Item, input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>)
        -> UnsafePointer<Float>
    {
        let groupInput = { (image: Int) in
            input + (image * geometry.inChannels + item.group * inGroup) * layout.inputPlane
        }
        if isPointwise && item.images == 1 { return groupInput(item.firstImage) }
        let ld = item.images * layout.positions
        for i in 0..<item.images {
            layout.pack(groupInput(item.firstImage + i), into: scratch + i * layout.positions, ld: ld)
        }
        return UnsafePointer(scratch)
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
        let useWorkers = switch threading {
        case .automatic: itemCount >= 2 && BLASThreads.processorCount >= 2
        case .imageWorkers: true
        case .blasThreads: false
        }
        guard useWorkers else {
            WorkspaceCache.shared.withBuffer(count: scratch) { buffer in
                for index in 0..<itemCount { body(item(index), buffer.baseAddress!, destination) }
            }
            return
        }
        let workers = Swift.min(BLASThreads.processorCount, itemCount)
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
