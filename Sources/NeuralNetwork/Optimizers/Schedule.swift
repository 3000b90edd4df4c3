#if canImport(Glibc)
import Glibc
#endif

/// Learning-rate schedules as factors of the base rate per epoch, with PyTorch's formulas.
public indirect enum Schedule: Sendable, Equatable {
    /// Always 1.
    case constant
    /// `γ^⌊epoch/size⌋` (StepLR).
    case step(size: Int, gamma: Float)
    /// Cosine annealing from 1 to `minimum` (a fraction of the base rate) over `epochs`.
    case cosine(epochs: Int, minimum: Float)
    /// Cosine annealing with warm restarts every `t0`, `t0·mult`, … epochs (SGDR).
    case warmRestarts(t0: Int, mult: Int, minimum: Float)
    /// Linear warm-up over `epochs` (factor `(e+1)/epochs`), then `then` shifted by `epochs`.
    case warmup(epochs: Int, then: Schedule)

    /// The factor for a (zero-based) epoch.
    public func factor(epoch: Int) -> Float {
        switch self {
        case .constant: return 1
        case .step(let size, let gamma): return powf(gamma, Float(epoch / max(1, size)))
        case .cosine(let epochs, let minimum):
            return minimum + (1 - minimum) * (1 + cosf(Float.pi * Float(min(epoch, epochs)) / Float(max(1, epochs)))) / 2
        case .warmRestarts(let t0, let mult, let minimum):
            var length = max(1, t0), position = epoch
            while position >= length { position -= length; length *= max(1, mult) }
            return minimum + (1 - minimum) * (1 + cosf(Float.pi * Float(position) / Float(length))) / 2
        case .warmup(let epochs, let then):
            return epoch < epochs ? Float(epoch + 1) / Float(epochs) : then.factor(epoch: epoch - epochs)
        }
    }
}
