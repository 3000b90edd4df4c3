/// The col2im of a single kernel row: the input gradient of a depthwise convolution (one output
/// channel per group) that has no adjoint convolution (strides above 1, or padding beyond the
/// kernel's reach), where a matrix product would have one row.
///
/// With `col` the column matrix of the positions `part` (row `r = c·∏k + q`, column `p`: the
/// zero-padded input at `p·stride + q·dilation − low`), it computes `∂x += col2im(wᵀ · ∂out)`.
extension ColumnLayout {
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

