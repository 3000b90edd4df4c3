import GridCore

/// The forward pass of a long 1-D convolution with a short kernel by overlap-save: the padded
/// signal is cut into blocks of `N` samples (a power of two, at least eight times the dilated
/// kernel), each block's spectrum is multiplied by the kernel's (`conj`, a correlation), and the
/// first `N − reach` values of each inverse are outputs — the rest wrapped around and are
/// dropped. Transforms of a few thousand samples stay in cache and take radix-2 plans, where one
/// transform of the whole signal would not (65 536 + 508 samples pad to the mixed-radix 66 150).
///
/// ``FFTConvolution`` uses it for the forward pass of unit-stride, ungrouped 1-D convolutions
/// whose padded signal spans at least four blocks; its backward pass stays on whole signals.
struct OverlapSave: Sendable {
    let geometry: ConvolutionGeometry
    /// Samples per block, `N`.
    let blockSize: Int
    /// Outputs per block, `N − reach`.
    let step: Int
    private let plans: FFTPlans
    private let kernelBlock: StridedBlock
    private let kernelSpectra = KernelSpectra()

    /// The overlap-save forward pass for `g`, or `nil` when `g` is not a unit-stride, ungrouped
    /// 1-D convolution whose padded signal spans at least four blocks.
    init?(geometry g: ConvolutionGeometry) {
        guard g.spatialRank == 1, g.stride == [1], g.groups == 1 else { return nil }
        let reach = g.dilation[0] * (g.kernelSize[0] - 1)
        var size = 256
        while size < 8 * (reach + 1) { size *= 2 }
        guard g.paddedSize[0] >= 4 * size else { return nil }
        geometry = g
        blockSize = size
        step = size - reach
        plans = FFTPlans.plans(for: [size])
        kernelBlock = StridedBlock(shape: g.kernelSize, size: [size], offset: [0], step: g.dilation)
    }

    /// Writes `conv(input, kernel)` into `output`: work items are (image, block), split over the
    /// compute threads; the kernel's spectra are kept while it does not change.
    func forward(input x: UnsafePointer<Float>, kernel k: UnsafeBufferPointer<Float>, output y: UnsafeMutablePointer<Float>) {
        let g = geometry, cin = g.inChannels, cout = g.outChannels, n = blockSize, width = 2 * plans.complexCount
        let length = g.inputSize[0], outputs = g.outputSize[0], low = g.padLow[0], taps = g.kernelSize[0]
        let blocks = (outputs + step - 1) / step, scale = 1 / Float(n)
        kernelSpectra.withSpectra(
            of: k, spectraCount: cout * cin * width,
            transform: { kernel, spectra in
                WorkspaceCache.shared.withBuffer(count: n) { real in
                    for index in 0..<(cout * cin) {
                        real.update(repeating: 0)
                        kernelBlock.scatter(kernel.baseAddress! + index * taps, into: real.baseAddress!)
                        plans.transform(real.baseAddress!, into: spectra + index * width)
                    }
                }
            }
        ) { ks in
            ComputeThreads.split(g.batch * blocks) { items in
                WorkspaceCache.shared.withBuffer(count: (cin + 1) * width + n) { scratch in
                    let xs = scratch.baseAddress!, sum = xs + cin * width, real = sum + width
                    for item in items {
                        let image = item / blocks, start = item % blocks * step
                        // Samples start … start + N of the padded signal: x[t − low] inside, zero outside.
                        let first = Swift.max(0, low - start), last = Swift.min(n, low + length - start)
                        for c in 0..<cin {
                            let signal = x + (image * cin + c) * length + start - low
                            real.update(repeating: 0, count: n)
                            if first < last { (real + first).update(from: signal + first, count: last - first) }
                            plans.transform(real, into: xs + c * width)
                        }
                        let count = Swift.min(step, outputs - start)
                        for o in 0..<cout {
                            sum.update(repeating: 0, count: width)
                            for c in 0..<cin {
                                FFTConvolution.accumulate(
                                    sum, xs + c * width, UnsafeMutablePointer(mutating: ks) + (o * cin + c) * width,
                                    conjugate: true, frequencies: plans.complexCount)
                            }
                            plans.inverse(sum, into: real)
                            let out = y + (image * cout + o) * outputs + start
                            for i in 0..<count { out[i] = real[i] * scale }
                        }
                    }
                }
            }
        }
    }
}
