import GridCore


/// Scales the gradients of `parameters` so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: with `n = ‖(g₁, g₂, …)‖₂`, every gradient is multiplied
/// by `min(1, maxNorm/(n + 10⁻⁶))`. Parameters without a gradient are ignored.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradientNorm(model.parameters, maxNorm: 1)
/// optimizer.step()
/// ```
/// - Returns: the norm before clipping (useful to log).
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var squares: Double = 0
    for p in parameters {
        guard let grad = p.grad, !grad.isEmpty else { continue }
        squares += Double(grad.withUnsafeBufferPointer { Kernels.centredDot($0.baseAddress!, 0, $0.baseAddress!, 0, $0.count) })
    }
    let norm = Float(squares.squareRoot())
    let factor = min(1, maxNorm / (norm + 1e-6))
    guard factor < 1 else { return norm }
    for p in parameters where p.grad != nil {
        p.grad!.withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= factor } }
    }
    return norm
}
