import GridCore
import WeightedConvolution

/// The slow, obviously correct convolution every engine is checked against: nested loops in
/// `Double` over a rank-erased geometry, padding by index arithmetic for every padding mode.
///
/// `y[b,o,p] = bias[o] + Σ_{i∈group(o), q} x̃[b, i, p·stride + q·dilation − low] · k[o, i − g·Cin/G, q]`
/// where `x̃` is the input extended by the padding mode.
public struct ReferenceConvolution: Sendable {
    /// The sizes of the convolution.
    public let geometry: ConvolutionGeometry

    /// A reference for `geometry`.
    public init(geometry: ConvolutionGeometry) { self.geometry = geometry }

    /// The output `[B, Cout, y…]` as `Double`.
    public func forward(input: [Double], kernel: [Double], bias: [Double]?) -> [Double] {
        var output = [Double](repeating: 0, count: geometry.outputShape.reduce(1, *))
        visit { outIndex, inIndex, kernelIndex in
            if let inIndex { output[outIndex] += input[inIndex] * kernel[kernelIndex] }
        }
        if let bias {
            let plane = geometry.outputSize.reduce(1, *)
            for i in output.indices { output[i] += bias[(i / plane) % geometry.outChannels] }
        }
        return output
    }

    /// The gradients with respect to input, kernel and bias, given the output gradient.
    public func backward(input: [Double], kernel: [Double], gradOutput: [Double])
        -> (input: [Double], kernel: [Double], bias: [Double])
    {
        var gradInput = [Double](repeating: 0, count: input.count)
        var gradKernel = [Double](repeating: 0, count: kernel.count)
        var gradBias = [Double](repeating: 0, count: geometry.outChannels)
        visit { outIndex, inIndex, kernelIndex in
            if let inIndex {
                gradInput[inIndex] += gradOutput[outIndex] * kernel[kernelIndex]
                gradKernel[kernelIndex] += gradOutput[outIndex] * input[inIndex]
            }
        }
        let plane = geometry.outputSize.reduce(1, *)
        for i in gradOutput.indices { gradBias[(i / plane) % geometry.outChannels] += gradOutput[i] }
        return (gradInput, gradKernel, gradBias)
    }

    /// Calls `body(output offset, input offset or nil for a zero, kernel offset)` for every
    /// multiply-add of the convolution.
    private func visit(_ body: (Int, Int?, Int) -> Void) {
        let g = geometry
        let d = g.spatialRank
        let inPerGroup = g.inChannels / g.groups, outPerGroup = g.outChannels / g.groups
        let outPositions = allIndices(g.outputSize), taps = allIndices(g.kernelSize)
        let inPlane = g.inputSize.reduce(1, *), kernelPlane = g.kernelSize.reduce(1, *)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                let group = o / outPerGroup
                for (p, position) in outPositions.enumerated() {
                    let outIndex = (b * g.outChannels + o) * outPositions.count + p
                    for c in 0..<inPerGroup {
                        let i = group * inPerGroup + c
                        for (q, tap) in taps.enumerated() {
                            var offset = 0
                            var inside = true
                            for a in 0..<d {
                                let raw = position[a] * g.stride[a] + tap[a] * g.dilation[a] - g.padLow[a]
                                guard let source = Self.source(raw, extent: g.inputSize[a], mode: g.paddingMode) else {
                                    inside = false
                                    break
                                }
                                offset = offset * g.inputSize[a] + source
                            }
                            let kernelIndex = (o * inPerGroup + c) * kernelPlane + q
                            body(outIndex, inside ? (b * g.inChannels + i) * inPlane + offset : nil, kernelIndex)
                        }
                    }
                }
            }
        }
    }

    /// Where a padded coordinate reads from, or `nil` for a zero.
    static func source(_ index: Int, extent n: Int, mode: PaddingMode) -> Int? {
        if index >= 0 && index < n { return index }
        switch mode {
        case .zeros: return nil
        case .replicate: return index < 0 ? 0 : n - 1
        case .circular: return ((index % n) + n) % n
        case .reflect: return index < 0 ? -index : 2 * (n - 1) - index
        }
    }
}

/// Every multi-index of `shape` in row-major order.
public func allIndices(_ shape: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for extent in shape {
        result = result.flatMap { prefix in (0..<extent).map { prefix + [$0] } }
    }
    return result
}
