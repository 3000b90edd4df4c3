#if canImport(Glibc)
import Glibc
#endif

/// Settings of one parameter group (weights, densities, values without decay).
public struct GroupSettings: Sendable, Codable, Equatable {
    /// Base learning rate (the schedule scales it).
    public var learningRate: Float
    /// Weight decay (L2 for SGD/Adam, decoupled for AdamW).
    public var weightDecay: Float

    /// Group settings.
    public init(learningRate: Float, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// SGD, Adam and AdamW with PyTorch's update rules, per-group settings, and named state for
/// checkpoints (so a resumed run continues bit for bit).
public final class Optimizer {
    /// The update rule.
    public enum Rule: Sendable, Equatable {
        /// SGD with momentum (dampening 0) and optional Nesterov momentum.
        case sgd(momentum: Float, nesterov: Bool)
        /// Adam with L2 weight decay added to the gradient.
        case adam(beta1: Float, beta2: Float, epsilon: Float)
        /// AdamW: decoupled weight decay `p ← p·(1 − lr·wd)` before the Adam step.
        case adamW(beta1: Float, beta2: Float, epsilon: Float)
    }

    /// The update rule.
    public let rule: Rule
    /// Settings per group; parameters of a group not listed here are not updated.
    public var groups: [Parameter.Group: GroupSettings]
    /// A factor applied to every group's learning rate (set by the schedule each epoch).
    public var learningRateScale: [Parameter.Group: Float] = [:]
    /// Steps taken.
    public private(set) var stepCount = 0
    private let parameters: [(name: String, parameter: Parameter)]
    private var first: [[Float]], second: [[Float]]

    /// An optimiser over named parameters (frozen ones are skipped).
    public init(_ parameters: [(name: String, parameter: Parameter)], rule: Rule, groups: [Parameter.Group: GroupSettings]) {
        self.parameters = parameters.filter { $0.parameter.requiresGrad }
        self.rule = rule
        self.groups = groups
        first = self.parameters.map { _ in [] }
        second = self.parameters.map { _ in [] }
    }

    /// The learning rate in force for a group.
    public func learningRate(_ group: Parameter.Group) -> Float {
        (groups[group]?.learningRate ?? 0) * (learningRateScale[group] ?? 1)
    }

    /// Updates every parameter that has a gradient.
    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        for (index, (_, p)) in parameters.enumerated() {
            guard let settings = groups[p.group], let grad = p.grad else { continue }
            let lr = learningRate(p.group), wd = settings.weightDecay
            if first[index].isEmpty { first[index] = [Float](repeating: 0, count: grad.count) }
            switch rule {
            case .sgd(let momentum, let nesterov):
                p.updateInPlace { value in
                    for i in value.indices {
                        var g = grad[i] + wd * value[i]
                        if momentum != 0 {
                            first[index][i] = stepCount == 1 ? g : momentum * first[index][i] + g
                            g = nesterov ? g + momentum * first[index][i] : first[index][i]
                        }
                        value[i] -= lr * g
                    }
                }
            case .adam(let beta1, let beta2, let epsilon), .adamW(let beta1, let beta2, let epsilon):
                if second[index].isEmpty { second[index] = [Float](repeating: 0, count: grad.count) }
                let decoupled: Bool = if case .adamW = rule { true } else { false }
                let correction1 = 1 - powf(beta1, t), correction2 = 1 - powf(beta2, t)
                let stepSize = lr / correction1, root2 = correction2.squareRoot()
                p.updateInPlace { value in
                    for i in value.indices {
                        if decoupled { value[i] *= 1 - lr * wd }
                        let g = decoupled ? grad[i] : grad[i] + wd * value[i]
                        first[index][i] = beta1 * first[index][i] + (1 - beta1) * g
                        second[index][i] = beta2 * second[index][i] + (1 - beta2) * g * g
                        value[i] -= stepSize * first[index][i] / (second[index][i].squareRoot() / root2 + epsilon)
                    }
                }
            }
        }
    }

    /// The state as named arrays: `<param>.exp_avg`, `<param>.exp_avg_sq` (Adam) or
    /// `<param>.momentum_buffer` (SGD), and `step`.
    public var state: [String: [Float]] {
        var state: [String: [Float]] = ["step": [Float(stepCount)]]
        let (firstName, secondName) = if case .sgd = rule { ("momentum_buffer", "") } else { ("exp_avg", "exp_avg_sq") }
        for (index, (name, _)) in parameters.enumerated() {
            if !first[index].isEmpty { state["\(name).\(firstName)"] = first[index] }
            if !second[index].isEmpty { state["\(name).\(secondName)"] = second[index] }
        }
        return state
    }

    /// Restores a state produced by ``state``.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when an array has the wrong length.
    public func load(state: [String: [Float]]) throws {
        stepCount = Int(state["step"]?.first ?? 0)
        let (firstName, secondName) = if case .sgd = rule { ("momentum_buffer", "") } else { ("exp_avg", "exp_avg_sq") }
        for (index, (name, p)) in parameters.enumerated() {
            for (key, slot) in [("\(name).\(firstName)", 0), ("\(name).\(secondName)", 1)] {
                guard let values = state[key] else { continue }
                guard values.count == p.value.count else {
                    throw NetworkError.shapeMismatch("optimiser state \(key) has \(values.count) values, the parameter \(p.value.count)")
                }
                if slot == 0 { first[index] = values } else { second[index] = values }
            }
        }
    }
}

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
