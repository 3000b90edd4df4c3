import GridCore

/// Convolution by FFTs of blocks (overlap-save), for signals much longer than their kernels, of
/// any rank: the positions to compute are cut into boxes of `N − reach` per axis (`N` the
/// transform size per axis, `reach = d·(k − 1)` the dilated kernel's extent), each box's window
/// of `N` values is transformed, multiplied by the kernel's spectrum, and the part of the inverse
/// that did not wrap around is kept. Transforms of a few thousand values stay in cache and take
/// fast sizes, where one transform of the whole signal would not.
///
/// Unit stride, any dilation, padding and groups (``supports(_:)``); the block sizes come from
/// `FFTCostModel`:
/// - forward: the window of the padded input at the block, `Y = Σ_c X_c · conj(W̃)`, the first
///   `N − reach` values per axis;
/// - input gradient: the window of the output gradient starting `reach` before the block,
///   `GX = Σ_o G_o · W̃`, the values from `reach` on;
/// - kernel gradient: `GW̃ = Σ_blocks X · conj(G)` with `G` the output gradient of the block alone
///   (zero beyond it), summed over blocks and images in the frequency domain and inverted once
///   per kernel, read at the dilated taps.
/// Work items are (image, block), split over the compute threads; the forward pass keeps its
/// kernel's spectra while the kernel does not change (``KernelSpectra``).
package struct BlockedFFTConvolution: ConvolutionEngine {
    package let geometry: ConvolutionGeometry
    /// The transform size per axis, `N`.
    package let blockSize: [Int]
    /// The dilated kernel's extent beyond its first tap, per axis.
    package let reach: [Int]
    private let plans: FFTPlans
    private let kernel: StridedBlock
    private let kernelSpectra = KernelSpectra()

    /// Whether the blocked path computes `geometry`: unit stride on every axis.
    package static func supports(_ geometry: ConvolutionGeometry) -> Bool { geometry.stride.allSatisfy { $0 == 1 } }

    /// Prepares the blocked path for `geometry` with windows of `blockSize` values per axis
    /// (FFTW transforms any size; 2ᵃ3ᵇ5ᶜ7ᵈ fastest). `FFTCostModel` picks the sizes `.auto` uses.
    /// - Parameters:
    ///   - g: the geometry, a unit-stride convolution (``supports(_:)``).
    ///   - blockSize: the transform size per axis, larger than the dilated kernel's reach
    ///     `d·(k − 1)`; each block yields `blockSize − reach` positions per axis.
    /// - Precondition: both (a programmer error otherwise).
    package init(geometry g: ConvolutionGeometry, blockSize: [Int]) {
        let reach = (0..<g.spatialRank).map { g.dilation[$0] * (g.kernelSize[$0] - 1) }
        precondition(Self.supports(g) && blockSize.count == g.spatialRank && zip(blockSize, reach).allSatisfy { $0 > $1 })
        geometry = g
        self.blockSize = blockSize
        self.reach = reach
        plans = FFTPlans.plans(for: blockSize)
        kernel = StridedBlock(shape: g.kernelSize, size: blockSize, offset: reach.map { _ in 0 }, step: g.dilation)
    }

    /// The bytes of the kernel's placement and the sizes (the shared plans are counted by their own cache).
    package var retainedBytes: Int { kernel.retainedBytes + 2 * blockSize.count * MemoryLayout<Int>.stride }

    private var inPerGroup: Int { geometry.inChannels / geometry.groups }
    private var outPerGroup: Int { geometry.outChannels / geometry.groups }
    /// Positions computed per block and axis, `N − reach`.
    private var step: [Int] { zip(blockSize, reach).map { $0 - $1 } }
    private var width: Int { 2 * plans.complexCount }

    /// Writes the convolution of `input` with `kernel` into `output`, block by block.
    package func forward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                 output y: UnsafeMutableBufferPointer<Float>) {
        let g = geometry, kernels = g.outChannels * inPerGroup
        kernelSpectra.withSpectra(of: k, spectraCount: kernels * width, transform: transformKernels) { ks in
            // Y[b,o] = Σ_c X[b, group(o)·Cin/G + c] · conj(W[o,c])
            let pass = OverlapSave(
                source: x.baseAddress!, sourceChannels: g.inChannels, sourceExtent: g.inputSize, shift: g.padLow.map { -$0 },
                target: y.baseAddress!, targetChannels: g.outChannels, targetExtent: g.outputSize,
                read: reach.map { _ in 0 }, conjugate: true)
            run(pass, kernelSpectra: ks) { o, term in
                let first = (o / outPerGroup) * inPerGroup
                for c in 0..<inPerGroup { term(first + c, o * inPerGroup + c) }
            }
        }
    }

    /// Writes the input gradient (blocks of the output gradient) and the kernel gradient
    /// (spectra summed over blocks) as asked; `nil` destinations are skipped.
    package func backward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                  gradOutput gy: UnsafeBufferPointer<Float>,
                  gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?) {
        let g = geometry
        if let gradInput {
            let kernels = g.outChannels * inPerGroup
            WorkspaceCache.shared.withBuffer(count: kernels * width) { ks in
                transformKernels(k, into: ks.baseAddress!)
                // GX[b,i] = Σ_{o ∈ group(i)} G[b,o] · W[o, i mod Cin/G]
                let pass = OverlapSave(
                    source: gy.baseAddress!, sourceChannels: g.outChannels, sourceExtent: g.outputSize,
                    shift: (0..<g.spatialRank).map { g.padLow[$0] - reach[$0] },
                    target: gradInput.baseAddress!, targetChannels: g.inChannels, targetExtent: g.inputSize,
                    read: reach, conjugate: false)
                run(pass, kernelSpectra: UnsafePointer(ks.baseAddress!)) { i, term in
                    let group = i / inPerGroup, c = i % inPerGroup
                    for o in (group * outPerGroup)..<((group + 1) * outPerGroup) { term(o, o * inPerGroup + c) }
                }
            }
        }
        if let gradKernel { kernelGradient(input: x.baseAddress!, gradOutput: gy.baseAddress!, into: gradKernel.baseAddress!) }
    }

    /// One overlap-save pass: the target positions, cut into blocks, each computed from the
    /// window of the source that starts at `block start + shift`, read from `read` on.
    private struct OverlapSave {
        let source: UnsafePointer<Float>, sourceChannels: Int, sourceExtent: [Int], shift: [Int]
        let target: UnsafeMutablePointer<Float>, targetChannels: Int, targetExtent: [Int], read: [Int]
        /// Whether kernel spectra enter conjugated (a correlation) or not (a convolution).
        let conjugate: Bool
    }

    /// Runs `pass`: `terms(t, term)` calls `term(source channel, kernel index)` for every
    /// spectral product summed into target channel `t`.
    private func run(_ pass: OverlapSave, kernelSpectra ks: UnsafePointer<Float>,
                     terms: (Int, (Int, Int) -> Void) -> Void) {
        let g = geometry, width = width, n = plans.realCount, scale = 1 / Float(n)
        let blocks = BlockGrid(extent: pass.targetExtent, step: step)
        let sourceSize = pass.sourceExtent.reduce(1, *), targetSize = pass.targetExtent.reduce(1, *)
        let zeros = pass.sourceExtent.map { _ in 0 }
        let windowStrides = RowMajor.strides(blockSize), targetStrides = RowMajor.strides(pass.targetExtent)
        let readOffset = pass.read.indices.reduce(0) { $0 + pass.read[$1] * windowStrides[$1] }
        ComputeThreads.split(g.batch * blocks.count) { items in
            WorkspaceCache.shared.withBuffer(count: (pass.sourceChannels + 1) * width + n) { scratch in
                let spectra = scratch.baseAddress!, sum = spectra + pass.sourceChannels * width, real = sum + width
                for item in items {
                    let image = item / blocks.count, start = blocks.start(item % blocks.count)
                    let origin = start.indices.map { start[$0] + pass.shift[$0] }
                    for s in 0..<pass.sourceChannels {
                        BoxCopy.load(pass.source + (image * pass.sourceChannels + s) * sourceSize, extent: pass.sourceExtent,
                                     origin: origin, low: zeros, high: pass.sourceExtent, into: real, size: blockSize)
                        plans.transform(real, into: spectra + s * width)
                    }
                    let count = blocks.count(at: start)
                    let to = start.indices.reduce(0) { $0 + start[$1] * targetStrides[$1] }
                    for t in 0..<pass.targetChannels {
                        sum.update(repeating: 0, count: width)
                        terms(t) { s, k in
                            Self.accumulate(sum, spectra + s * width, UnsafeMutablePointer(mutating: ks) + k * width,
                                                      conjugate: pass.conjugate, frequencies: plans.complexCount)
                        }
                        plans.inverse(sum, into: real)
                        BoxCopy.copy(count: count, from: real + readOffset, windowStrides,
                                     to: pass.target + (image * pass.targetChannels + t) * targetSize + to, targetStrides, scale: scale)
                    }
                }
            }
        }
    }

    /// `GW[o,c] = Σ_{b, blocks} X[b, group(o)·Cin/G + c] ⋆ G[b,o]`: per worker, spectra summed
    /// over its (image, block) items; the workers' sums added in worker order, inverted once per
    /// kernel and read at the dilated taps.
    private func kernelGradient(input x: UnsafePointer<Float>, gradOutput gy: UnsafePointer<Float>,
                                into gk: UnsafeMutablePointer<Float>) {
        let g = geometry, width = width, n = plans.realCount, kernels = g.outChannels * inPerGroup
        let blocks = BlockGrid(extent: g.outputSize, step: step), items = g.batch * blocks.count
        let inputSize = g.inputSize.reduce(1, *), outputSize = g.outputSize.reduce(1, *)
        let zeros = g.inputSize.map { _ in 0 }
        let workers = Swift.max(1, Swift.min(ComputeThreads.count, items))
        WorkspaceCache.shared.withBuffer(count: workers * kernels * width) { sums in
            sums.update(repeating: 0)
            concurrentPerform(workers) { worker in
                let sum = sums.baseAddress! + worker * kernels * width
                WorkspaceCache.shared.withBuffer(count: (g.inChannels + 1) * width + n) { scratch in
                    let xs = scratch.baseAddress!, gs = xs + g.inChannels * width, real = gs + width
                    for item in (worker * items / workers)..<((worker + 1) * items / workers) {
                        let image = item / blocks.count, start = blocks.start(item % blocks.count)
                        let origin = start.indices.map { start[$0] - g.padLow[$0] }
                        for c in 0..<g.inChannels {
                            BoxCopy.load(x + (image * g.inChannels + c) * inputSize, extent: g.inputSize, origin: origin,
                                         low: zeros, high: g.inputSize, into: real, size: blockSize)
                            plans.transform(real, into: xs + c * width)
                        }
                        let end = start.indices.map { Swift.min(start[$0] + step[$0], g.outputSize[$0]) }
                        for o in 0..<g.outChannels {
                            BoxCopy.load(gy + (image * g.outChannels + o) * outputSize, extent: g.outputSize, origin: start,
                                         low: start, high: end, into: real, size: blockSize)
                            plans.transform(real, into: gs)
                            let first = (o / outPerGroup) * inPerGroup
                            for c in 0..<inPerGroup {
                                Self.accumulate(sum + (o * inPerGroup + c) * width, xs + (first + c) * width, gs,
                                                          conjugate: true, frequencies: plans.complexCount)
                            }
                        }
                    }
                }
            }
            let total = sums.baseAddress!
            for worker in 1..<workers {
                let other = total + worker * kernels * width
                for i in 0..<(kernels * width) { total[i] += other[i] }
            }
            let taps = g.kernelSize.reduce(1, *), scale = 1 / Float(n)
            ComputeThreads.split(kernels) { range in
                WorkspaceCache.shared.withBuffer(count: n) { real in
                    for index in range {
                        plans.inverse(total + index * width, into: real.baseAddress!)
                        kernel.gather(real.baseAddress!, into: gk + index * taps, scale: scale)
                    }
                }
            }
        }
    }

    /// `sum += a · b` or `sum += a · conj(b)` over interleaved complex spectra of `frequencies` values.
    private static func accumulate(_ sum: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                                   _ b: UnsafeMutablePointer<Float>, conjugate: Bool, frequencies: Int) {
        let sign: Float = conjugate ? -1 : 1
        for f in 0..<frequencies {
            let (ar, ai, br, bi) = (a[2 * f], a[2 * f + 1], b[2 * f], sign * b[2 * f + 1])
            sum[2 * f] += ar * br - ai * bi
            sum[2 * f + 1] += ar * bi + ai * br
        }
    }

    /// Writes the spectra of the `Cout·Cin/G` kernels (dilated, at the window's origin) to `spectra`.
    private func transformKernels(_ k: UnsafeBufferPointer<Float>, into spectra: UnsafeMutablePointer<Float>) {
        let count = geometry.outChannels * inPerGroup, taps = geometry.kernelSize.reduce(1, *), width = width
        ComputeThreads.split(count) { range in
            WorkspaceCache.shared.withBuffer(count: plans.realCount) { real in
                for index in range {
                    real.update(repeating: 0)
                    kernel.scatter(k.baseAddress! + index * taps, into: real.baseAddress!)
                    plans.transform(real.baseAddress!, into: spectra + index * width)
                }
            }
        }
    }
}

/// The blocks that cover an extent: `⌈extent / step⌉` per axis, numbered row-major.
struct BlockGrid {
    let extent: [Int]
    let step: [Int]
    /// Blocks per axis.
    let blocks: [Int]
    /// All blocks.
    let count: Int

    init(extent: [Int], step: [Int]) {
        self.extent = extent
        self.step = step
        blocks = extent.indices.map { (extent[$0] + step[$0] - 1) / step[$0] }
        count = blocks.reduce(1, *)
    }

    /// The first position of block `index`, per axis.
    func start(_ index: Int) -> [Int] {
        var rest = index, start = [Int](repeating: 0, count: extent.count)
        for a in stride(from: extent.count - 1, through: 0, by: -1) {
            start[a] = rest % blocks[a] * step[a]
            rest /= blocks[a]
        }
        return start
    }

    /// The positions of the block starting at `start`, per axis (the last block may be shorter).
    func count(at start: [Int]) -> [Int] { start.indices.map { Swift.min(step[$0], extent[$0] - start[$0]) } }
}
