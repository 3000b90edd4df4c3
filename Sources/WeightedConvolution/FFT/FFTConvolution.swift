import GridCore

/// Convolution through FFTW: transforms of the zero-padded signals and kernels, products of
/// spectra summed over input channels, and inverse transforms. Its cost hardly depends on the
/// kernel size, so it wins over the direct path for large kernels.
///
/// With `x̃` the input zero-padded to `Lp` per axis and `w̃` the dilated kernel, a transform size
/// `L ≥ Lp` per axis suffices — the valid cross-correlation never wraps around:
/// - forward: `Y = X · conj(W̃)`, read at the strided positions `t·s`;
/// - input gradient: `GX = G · W̃`, where `G` is the output gradient scattered at `t·s`, then
///   cropped back to the unpadded input;
/// - kernel gradient: `GW̃ = X · conj(G)`, read at the dilated taps `q·d`.
/// The sums over channels are complex matrix products per frequency (``SpectralBlocks``): spectra
/// are stored in blocks of 16 frequencies, a block of every signal together, and for each block
/// `Y_f (B × Cout/G) = X_f (B × Cin/G) · conj(W_f)ᵀ` per group, `GX_f = G_f · W_f` and
/// `GW_f = X_fᵀ · conj(G_f)` (a sum over the batch). The kernels' spectra and the kernel gradient's
/// `k^d` taps are real matrix products with tables of `cos`/`sin` (``SpectralTaps``) where those
/// are cheaper than transforms.
/// Transforms run on `ComputeThreads.count` threads:
/// one signal per worker, or — when a phase has fewer signals than threads and the signals are
/// multi-dimensional — each transform split over FFTW's threads; the products on blocks of
/// frequencies per worker.
/// Both passes keep the spectra of their last kernel (``KernelSpectra``) and skip the kernel's
/// transforms while the kernel does not change. Long signals with short kernels are
/// better served by blocks (``BlockedFFTConvolution``).
package struct FFTConvolution: ConvolutionEngine {
    package let geometry: ConvolutionGeometry
    private let plans: FFTPlans
    /// Plans whose transforms are split over the compute threads (rank ≥ 2, more than one thread).
    private let threadedPlans: FFTPlans?
    private let input: StridedBlock, kernel: StridedBlock, output: StridedBlock
    /// The kernels' spectra and the kernel gradient's taps by matrix products, when cheaper than transforms.
    private let kernelTaps: SpectralTaps?
    /// The kernel spectra, reused while the kernel does not change.
    private let kernelSpectra = KernelSpectra()

    /// Prepares the whole-signal FFT path for `geometry`.
    /// - Parameters:
    ///   - g: the geometry; its transform sizes fit in memory (`FFTPlans.fitInMemory`).
    ///   - tapsByProduct: whether the kernels' spectra and the kernel gradient's taps are computed by
    ///     matrix products (`true`, ``SpectralTaps``) or by transforms (`false`); `nil` lets
    ///     `FFTCostModel` choose.
    /// - Precondition: the sizes fit (the planner only builds this engine for such geometries).
    package init(geometry g: ConvolutionGeometry, tapsByProduct: Bool? = nil) {
        geometry = g
        let size = FFTPlans.sizes(for: g)!
        let ones = [Int](repeating: 1, count: g.spatialRank), zeros = [Int](repeating: 0, count: g.spatialRank)
        plans = FFTPlans.plans(for: size)
        let threads = ComputeThreads.count
        threadedPlans = threads > 1 && g.spatialRank > 1 ? FFTPlans.plans(for: size, threads: threads) : nil
        input = StridedBlock(shape: g.inputSize, size: size, offset: g.padLow, step: ones)
        kernel = StridedBlock(shape: g.kernelSize, size: size, offset: zeros, step: g.dilation)
        output = StridedBlock(shape: g.outputSize, size: size, offset: zeros, step: g.stride)
        kernelTaps = tapsByProduct ?? FFTCostModel.transformsTapsByProduct(g, size: size)
            ? SpectralTaps(size: size, block: kernel, frequencies: plans.complexCount) : nil
    }

    /// The bytes of the block descriptions and the tap matrix (the shared plans are counted by their own cache).
    package var retainedBytes: Int { [input, kernel, output].reduce(kernelTaps?.retainedBytes ?? 0) { $0 + $1.retainedBytes } }

    private var inPerGroup: Int { geometry.inChannels / geometry.groups }
    private var outPerGroup: Int { geometry.outChannels / geometry.groups }

    /// Frequency-major storage for `signals` spectra.
    private func blocks(_ signals: Int) -> SpectralBlocks {
        .blockMajor(signals: signals, frequencies: plans.complexCount)
    }

    /// Writes the convolution of `input` with `kernel` into `output`.
    package func forward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                 output y: UnsafeMutableBufferPointer<Float>) {
        let g = geometry, (cpg, opg) = (inPerGroup, outPerGroup)
        withSpectra(of: x.baseAddress!, block: input, layout: blocks(g.batch * g.inChannels)) { xs in
            withKernelSpectra(k) { ws in
                withResults(blocks(g.batch * g.outChannels), block: output, into: y.baseAddress!) { ys, range, group in
                    // Y[b,o] = Σ_c X[b, group·Cin/G + c] · conj(W[o,c])
                    SpectralBlocks.multiply(
                        blocks: range, m: g.batch, n: opg, k: cpg,
                        xs.matrix(first: group * cpg, rowStep: g.inChannels, depthStep: 1),
                        ws.matrix(first: group * opg * cpg, rowStep: cpg, depthStep: 1), conjugateB: true,
                        into: ys.matrix(first: group * opg, rowStep: g.outChannels, depthStep: 1))
                }
            }
        }
    }

    /// Writes the input gradient and the kernel gradient as asked; `nil` destinations are skipped.
    package func backward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                  gradOutput gy: UnsafeBufferPointer<Float>,
                  gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?) {
        let g = geometry, (cpg, opg) = (inPerGroup, outPerGroup)
        withSpectra(of: gy.baseAddress!, block: output, layout: blocks(g.batch * g.outChannels)) { gs in
            if let gradInput {
                withKernelSpectra(k) { ws in
                    withResults(blocks(g.batch * g.inChannels), block: input, into: gradInput.baseAddress!) { gxs, range, group in
                        // GX[b,i] = Σ_{o ∈ group(i)} G[b,o] · W[o, i mod Cin/G]
                        SpectralBlocks.multiply(
                            blocks: range, m: g.batch, n: cpg, k: opg,
                            gs.matrix(first: group * opg, rowStep: g.outChannels, depthStep: 1),
                            ws.matrix(first: group * opg * cpg, rowStep: 1, depthStep: cpg), conjugateB: false,
                            into: gxs.matrix(first: group * cpg, rowStep: g.inChannels, depthStep: 1))
                    }
                }
            }
            if let gradKernel {
                withSpectra(of: x.baseAddress!, block: input, layout: blocks(g.batch * g.inChannels)) { xs in
                    // Signal-major: the tap product reads each kernel's spectrum as a matrix row.
                    let layout = SpectralBlocks.signalMajor(signals: g.outChannels * cpg, frequencies: plans.complexCount)
                    withResults(layout, block: kernel, taps: kernelTaps, into: gradKernel.baseAddress!) { gws, range, group in
                        // GW[o,c] = Σ_b X[b, group·Cin/G + c] · conj(G[b,o]), as its transpose (c, o)
                        SpectralBlocks.multiply(
                            blocks: range, m: cpg, n: opg, k: g.batch,
                            xs.matrix(first: group * cpg, rowStep: 1, depthStep: g.inChannels),
                            gs.matrix(first: group * opg, rowStep: 1, depthStep: g.outChannels), conjugateB: true,
                            into: gws.matrix(first: group * opg * cpg, rowStep: 1, depthStep: cpg))
                    }
                }
            }
        }
    }

    /// Calls `body` with the spectra of the `layout.signals` signals of `block.shape` stored one
    /// after the other at `source`, embedded into the transform size as `block` says.
    private func withSpectra(of source: UnsafePointer<Float>, block: StridedBlock, layout: SpectralBlocks,
                             _ body: (StoredSpectra) -> Void) {
        WorkspaceCache.shared.withBuffer(count: layout.count) { spectra in
            transform(source, block: block, layout: layout, into: spectra.baseAddress!)
            body(StoredSpectra(storage: spectra.baseAddress!, layout: layout))
        }
    }

    /// Calls `body` with the spectra of the `Cout·Cin/G` kernels `k`, cached while `k` does not change.
    private func withKernelSpectra(_ k: UnsafeBufferPointer<Float>, _ body: (StoredSpectra) -> Void) {
        let layout = blocks(geometry.outChannels * inPerGroup)
        kernelSpectra.withSpectra(
            of: k, spectraCount: layout.count,
            transform: { k, spectra in
                if let kernelTaps {
                    kernelTaps.transform(k.baseAddress!, into: spectra, layout: layout)
                } else {
                    transform(k.baseAddress!, block: kernel, layout: layout, into: spectra)
                }
            }
        ) { spectra in body(StoredSpectra(storage: UnsafeMutablePointer(mutating: spectra), layout: layout)) }
    }

    /// Computes `layout.signals` result spectra with `fill(results, blocks, group)`, called per
    /// group on slices of the blocks of frequencies split over the workers, and writes their
    /// normalised inverses through `block` into `destination` (results one after the other): by
    /// inverse transforms, or as `taps` when given (then `layout` is signal-major).
    private func withResults(_ layout: SpectralBlocks, block: StridedBlock, taps: SpectralTaps? = nil,
                             into destination: UnsafeMutablePointer<Float>,
                             _ fill: (StoredSpectra, Range<Int>, Int) -> Void) {
        WorkspaceCache.shared.withBuffer(count: layout.count) { spectra in
            let results = StoredSpectra(storage: spectra.baseAddress!, layout: layout)
            ComputeThreads.split(layout.blocks) { range in
                for group in 0..<geometry.groups { fill(results, range, group) }
            }
            if let taps {
                taps.read(spectra.baseAddress!, signals: layout.signals, into: destination)
            } else {
                inverse(spectra.baseAddress!, layout: layout, block: block, into: destination)
            }
        }
    }

    /// Writes the spectra of the `layout.signals` signals of `block.shape` (stored one after the
    /// other at `source`, embedded into the transform size as `block` says) into `storage`.
    private func transform(_ source: UnsafePointer<Float>, block: StridedBlock, layout: SpectralBlocks,
                           into storage: UnsafeMutablePointer<Float>) {
        let signal = block.shape.reduce(1, *)
        split(layout.signals) { range, plans in
            WorkspaceCache.shared.withBuffer(count: plans.realCount + 2 * plans.complexCount) { scratch in
                let real = scratch.baseAddress!, spectrum = real + plans.realCount
                for n in range {
                    real.update(repeating: 0, count: plans.realCount)
                    block.scatter(source + n * signal, into: real)
                    plans.transform(real, into: spectrum)
                    layout.store(spectrum, signal: n, into: storage)
                }
            }
        }
    }

    /// Writes the inverse transforms of the `layout.signals` spectra in `storage`, normalised and
    /// gathered through `block`, into `destination` one after the other.
    private func inverse(_ storage: UnsafePointer<Float>, layout: SpectralBlocks, block: StridedBlock,
                         into destination: UnsafeMutablePointer<Float>) {
        let signal = block.shape.reduce(1, *), scale = 1 / Float(plans.realCount)
        split(layout.signals) { range, plans in
            WorkspaceCache.shared.withBuffer(count: plans.realCount + 2 * plans.complexCount) { scratch in
                let real = scratch.baseAddress!, spectrum = real + plans.realCount
                for n in range {
                    layout.load(signal: n, from: storage, into: spectrum)
                    plans.inverse(spectrum, into: real)
                    block.gather(real, into: destination + n * signal, scale: scale)
                }
            }
        }
    }

    /// Calls `body` with slices of `0..<count` and the plans to transform them with: one slice
    /// per worker with single-threaded plans, or — for fewer signals than threads, when threaded
    /// plans exist — all of them with the threaded plans.
    private func split(_ count: Int, _ body: (Range<Int>, FFTPlans) -> Void) {
        if let threadedPlans, count < ComputeThreads.count {
            body(0..<count, threadedPlans)
        } else {
            ComputeThreads.split(count) { body($0, plans) }
        }
    }
}
