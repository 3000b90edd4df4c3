/// Products of one kernel row with the column matrix, fused with the packing so the matrix is
/// never formed: the direct engine's path when each group has a single output channel
/// (depthwise convolutions), where a matrix product would have one row and run far below peak.
///
/// Each is the `1 × R` case of an operation of the packed path, with `col` the matrix
/// of the positions `part` (row `r = c·∏k + q`, column `p`: the zero-padded input at
/// `p·stride + q·dilation − low`):
/// - ``multiplyAdding(_:weights:into:positions:)``: `out += w · col`;
/// - ``correlateAdding(_:gradOutput:into:positions:)``: `∂w += ∂out · colᵀ`;
/// - ``scatterAdding(_:weights:into:positions:)``: `∂x += col2im(wᵀ · ∂out)`.
extension ColumnLayout {
    /// `out[p] += Σ_r weights[r]·col[r, p]` for `p` in `part` (`out` points at position `part.lowerBound`).
    func multiplyAdding(
        _ input: UnsafePointer<Float>, weights: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        positions part: Range<Int>
    ) {
        traverse(out, ld: 0, positions: part) { dst, base, run, first, end, row in
            guard let base else { return }
            let (low, high) = run.clipped(first, end)
            let w = weights[row], src = input + (base + low * lastStride), to = dst + (low - first)
            if lastStride == 1 {
                for j in 0..<(high - low) { to[j] += w * src[j] }
            } else {
                for j in 0..<(high - low) { to[j] += w * src[j * lastStride] }
            }
        }
    }

    /// `gradWeights[r] += Σ_p gradOutput[p]·col[r, p]` over `p` in `part` (`gradOutput` points at
    /// position `part.lowerBound`).
    func correlateAdding(
        _ input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, into gradWeights: UnsafeMutablePointer<Float>,
        positions part: Range<Int>
    ) {
        traverse(UnsafeMutablePointer(mutating: gradOutput), ld: 0, positions: part) { gy, base, run, first, end, row in
            guard let base else { return }
            let (low, high) = run.clipped(first, end)
            let src = input + (base + low * lastStride), g = gy + (low - first)
            gradWeights[row] += lastStride == 1
                ? dot(g, src, count: high - low)
                : (0..<(high - low)).reduce(0) { $0 + g[$1] * src[$1 * lastStride] }
        }
    }

    /// Adds `weights[r]·gradOutput[p]` onto the input element that `col[r, p]` reads, for every
    /// row `r` and `p` in `part` (`gradOutput` points at position `part.lowerBound`).
    func scatterAdding(
        _ gradOutput: UnsafePointer<Float>, weights: UnsafePointer<Float>, into gradInput: UnsafeMutablePointer<Float>,
        positions part: Range<Int>
    ) {
        traverse(UnsafeMutablePointer(mutating: gradOutput), ld: 0, positions: part) { gy, base, run, first, end, row in
            guard let base else { return }
            let (low, high) = run.clipped(first, end)
            let w = weights[row], dst = gradInput + (base + low * lastStride), g = gy + (low - first)
            if lastStride == 1 {
                for j in 0..<(high - low) { dst[j] += w * g[j] }
            } else {
                for j in 0..<(high - low) { dst[j * lastStride] += w * g[j] }
            }
        }
    }
}

/// `Σ a[j]·b[j]` over `count` elements.
@inline(__always)
private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    Kernels.centredDot(a, 0, b, 0, count)
}
