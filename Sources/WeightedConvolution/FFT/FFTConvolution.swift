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
/// Spectra of one group are summed over channels; transforms run on `ComputeThreads.count` threads:
/// one signal per worker, or — when a phase has fewer signals than threads and the signals are
/// multi-dimensional — each transform split over FFTW's threads.
/// The forward pass keeps the spectra of its last kernel (``KernelSpectra``) and skips the
/// kernel's transforms while the kernel does not change. Long signals with short kernels are
/// better served by blocks (``BlockedFFTConvolution``).
struct FFTConvolution: ConvolutionEngine {
    let geometry: ConvolutionGeometry
    private let plans: FFTPlans
    /// Plans whose transforms are split over the compute threads (rank ≥ 2, more than one thread).
    private let threadedPlans: FFTPlans?
    private let input: StridedBlock, kernel: StridedBlock, output: StridedBlock
    /// The forward pass's kernel spectra, reused while the kernel does not change.
    private let kernelSpectra = KernelSpectra()

    init(geometry g: ConvolutionGeometry) {
        geometry = g
        // The planner only builds this engine for geometries whose sizes fit (`FFTPlans.fitInMemory`).
        let size = FFTPlans.sizes(for: g)!
        let ones = [Int](repeating: 1, count: g.spatialRank), zeros = [Int](repeating: 0, count: g.spatialRank)
        plans = FFTPlans.plans(for: size)
        let threads = ComputeThreads.count
        threadedPlans = threads > 1 && g.spatialRank > 1 ? FFTPlans.plans(for: size, threads: threads) : nil
        input = StridedBlock(shape: g.inputSize, size: size, offset: g.padLow, step: ones)
        kernel = StridedBlock(shape: g.kernelSize, size: size, offset: zeros, step: g.dilation)
        output = StridedBlock(shape: g.outputSize, size: size, offset: zeros, step: g.stride)
    }

    /// The bytes of the block descriptions (the shared plans are counted by their own cache).
    var retainedBytes: Int { [input, kernel, output].reduce(0) { $0 + $1.retainedBytes } }

    private var inPerGroup: Int { geometry.inChannels / geometry.groups }
    private var outPerGroup: Int { geometry.outChannels / geometry.groups }

    func forward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                 output y: UnsafeMutableBufferPointer<Float>) {
        let g = geometry
        withSpectra(g.batch * g.inChannels, of: x.baseAddress!, block: input) { xs in
            let kernels = g.outChannels * inPerGroup, width = 2 * plans.complexCount
            kernelSpectra.withSpectra(
                of: k, spectraCount: kernels * width,
                transform: { transform(kernels, of: $0.baseAddress!, block: kernel, into: $1) }
            ) { spectra in
                let ks = { (index: Int) in UnsafeMutablePointer(mutating: spectra) + index * width }
                // Y[b,o] = Σ_c X[b, group(o)·Cin/G + c] · conj(W[o,c])
                inverseOfSums(count: g.batch * g.outChannels, block: output, into: y.baseAddress!) { index, sum in
                    let (b, o) = (index / g.outChannels, index % g.outChannels)
                    let first = b * g.inChannels + (o / outPerGroup) * inPerGroup
                    for c in 0..<inPerGroup { accumulate(sum, xs(first + c), ks(o * inPerGroup + c), conjugate: true) }
                }
            }
        }
    }

    func backward(input x: UnsafeBufferPointer<Float>, kernel k: UnsafeBufferPointer<Float>,
                  gradOutput gy: UnsafeBufferPointer<Float>,
                  gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?) {
        let g = geometry
        withSpectra(g.batch * g.outChannels, of: gy.baseAddress!, block: output) { gs in
            if let gradInput {
                withSpectra(g.outChannels * inPerGroup, of: k.baseAddress!, block: kernel) { ks in
                    // GX[b,i] = Σ_{o ∈ group(i)} G[b,o] · W[o, i mod Cin/G]
                    inverseOfSums(count: g.batch * g.inChannels, block: input, into: gradInput.baseAddress!) { index, sum in
                        let (b, i) = (index / g.inChannels, index % g.inChannels)
                        let group = i / inPerGroup, c = i % inPerGroup
                        for o in (group * outPerGroup)..<((group + 1) * outPerGroup) {
                            accumulate(sum, gs(b * g.outChannels + o), ks(o * inPerGroup + c), conjugate: false)
                        }
                    }
                }
            }
            if let gradKernel {
                withSpectra(g.batch * g.inChannels, of: x.baseAddress!, block: input) { xs in
                    // GW[o,c] = Σ_b X[b, group(o)·Cin/G + c] · conj(G[b,o])
                    inverseOfSums(count: g.outChannels * inPerGroup, block: kernel, into: gradKernel.baseAddress!) { index, sum in
                        let (o, c) = (index / inPerGroup, index % inPerGroup)
                        let channel = (o / outPerGroup) * inPerGroup + c
                        for b in 0..<g.batch {
                            accumulate(sum, xs(b * g.inChannels + channel), gs(b * g.outChannels + o), conjugate: true)
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with an accessor to the spectra of `count` signals of `block.shape`, stored
    /// one after the other at `source` and embedded into the transform size as `block` says.
    private func withSpectra(_ count: Int, of source: UnsafePointer<Float>, block: StridedBlock,
                             _ body: ((Int) -> UnsafeMutablePointer<Float>) -> Void) {
        let width = 2 * plans.complexCount
        WorkspaceCache.shared.withBuffer(count: count * width) { spectra in
            let base = spectra.baseAddress!
            transform(count, of: source, block: block, into: base)
            body { base + $0 * width }
        }
    }

    /// Writes the spectra of `count` signals of `block.shape` (stored one after the other at
    /// `source`, embedded into the transform size as `block` says) to `spectra`, one after the other.
    private func transform(_ count: Int, of source: UnsafePointer<Float>, block: StridedBlock,
                           into spectra: UnsafeMutablePointer<Float>) {
        let width = 2 * plans.complexCount, signal = block.shape.reduce(1, *)
        split(count) { range, plans in
            WorkspaceCache.shared.withBuffer(count: plans.realCount) { real in
                for n in range {
                    real.update(repeating: 0)
                    block.scatter(source + n * signal, into: real.baseAddress!)
                    plans.transform(real.baseAddress!, into: spectra + n * width)
                }
            }
        }
    }

    /// For each of `count` results: `fill(index, sum)` accumulates a spectrum into the zeroed
    /// `sum`, which is inverse-transformed, normalised and gathered through `block` into
    /// `destination` (results stored one after the other).
    private func inverseOfSums(count: Int, block: StridedBlock, into destination: UnsafeMutablePointer<Float>,
                               _ fill: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let width = 2 * plans.complexCount, signal = block.shape.reduce(1, *)
        let scale = 1 / Float(plans.realCount)
        split(count) { range, plans in
            WorkspaceCache.shared.withBuffer(count: width) { sum in
                WorkspaceCache.shared.withBuffer(count: plans.realCount) { real in
                    for n in range {
                        sum.update(repeating: 0)
                        fill(n, sum.baseAddress!)
                        plans.inverse(sum.baseAddress!, into: real.baseAddress!)
                        block.gather(real.baseAddress!, into: destination + n * signal, scale: scale)
                    }
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

    /// `sum += a · b` or `sum += a · conj(b)` over interleaved complex spectra of this size.
    private func accumulate(_ sum: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                            _ b: UnsafeMutablePointer<Float>, conjugate: Bool) {
        Self.accumulate(sum, a, b, conjugate: conjugate, frequencies: plans.complexCount)
    }

    /// `sum += a · b` or `sum += a · conj(b)` over interleaved complex spectra of `frequencies` values.
    static func accumulate(_ sum: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                           _ b: UnsafeMutablePointer<Float>, conjugate: Bool, frequencies: Int) {
        let sign: Float = conjugate ? -1 : 1
        for f in 0..<frequencies {
            let (ar, ai, br, bi) = (a[2 * f], a[2 * f + 1], b[2 * f], sign * b[2 * f + 1])
            sum[2 * f] += ar * br - ai * bi
            sum[2 * f + 1] += ar * bi + ai * br
        }
    }
}
