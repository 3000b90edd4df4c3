import GridCore

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

/// SGD, Adam and AdamW with PyTorch's update rules (`torch.optim`, single-tensor code path),
/// per-group settings, and named state for checkpoints, so a resumed run continues bit for bit.
///
/// As in PyTorch, a parameter without a gradient is skipped entirely (its own step count does
/// not advance), and frozen parameters are not managed at all.
///
/// ```swift
/// let optimizer = Optimizer(model.namedParameters(), rule: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
///                           groups: [.weights: .init(learningRate: 1e-3, weightDecay: 1e-2),
///                                    .noDecay: .init(learningRate: 1e-3),
///                                    .densities: .init(learningRate: 1e-2, weightDecay: 1e-2)])
/// model.zeroGradients(); try loss(model(x)).backward(); optimizer.step()
/// ```
public final class Optimizer {
    /// The update rule.
    public enum Rule: Sendable, Equatable {
        /// SGD with momentum (dampening 0) and optional Nesterov momentum:
        /// `d = g + wd·p`; `b ← d` (first step) or `b ← μ·b + d`; `p ← p − lr·(nesterov ? d + μ·b : b)`.
        case sgd(momentum: Float, nesterov: Bool)
        /// Adam with L2 weight decay added to the gradient (`g ← g + wd·p`), then
        /// `m ← m + (1−β₁)(g − m)`, `v ← β₂v + (1−β₂)g²`, `p ← p − lr/(1−β₁ᵗ)·m/(√v/√(1−β₂ᵗ) + ε)`.
        case adam(beta1: Float, beta2: Float, epsilon: Float)
        /// AdamW: decoupled weight decay `p ← p·(1 − lr·wd)` before the same Adam step.
        case adamW(beta1: Float, beta2: Float, epsilon: Float)
    }

    /// The update rule.
    public let rule: Rule
    /// Settings per group; parameters of a group not listed here are not updated.
    public var groups: [Parameter.Group: GroupSettings]
    /// A factor applied to every group's learning rate (set by the schedule each epoch).
    public var learningRateScale: [Parameter.Group: Float] = [:]
    /// Calls of ``step()``.
    public private(set) var stepCount = 0
    private let parameters: [(name: String, parameter: Parameter)]
    private let slots: [Slot]

    /// Per-parameter state: PyTorch's `step`, and `momentum_buffer` or `exp_avg`/`exp_avg_sq`.
    private final class Slot {
        var steps = 0
        var first: [Float] = [], second: [Float] = []
    }

    /// An optimiser over named parameters (frozen ones are skipped).
    public init(_ parameters: [(name: String, parameter: Parameter)], rule: Rule, groups: [Parameter.Group: GroupSettings]) {
        self.parameters = parameters.filter { $0.parameter.requiresGrad }
        self.rule = rule
        self.groups = groups
        slots = self.parameters.map { _ in Slot() }
    }

    /// The learning rate in force for a group.
    public func learningRate(_ group: Parameter.Group) -> Float {
        (groups[group]?.learningRate ?? 0) * (learningRateScale[group] ?? 1)
    }

    /// Updates every parameter that has a gradient.
    /// - Complexity: O(number of values), one fused sweep per parameter.
    public func step() {
        stepCount += 1
        for ((_, p), slot) in zip(parameters, slots) {
            guard let settings = groups[p.group], let grad = p.grad else { continue }
            slot.steps += 1
            let lr = learningRate(p.group), wd = settings.weightDecay
            switch rule {
            case .sgd(let momentum, let nesterov):
                let fresh = slot.first.isEmpty
                if momentum != 0 && fresh { slot.first = [Float](repeating: 0, count: grad.count) }
                p.updateInPlace { values in
                    values.withUnsafeMutableBufferPointer { value in
                        grad.withUnsafeBufferPointer { g in
                            slot.first.withUnsafeMutableBufferPointer { buffer in
                                ComputeThreads.splitElements(value.count) { slice in
                                    for i in slice {
                                        var d = g[i] + wd * value[i]
                                        if momentum != 0 {
                                            buffer[i] = fresh ? d : momentum * buffer[i] + d
                                            d = nesterov ? d + momentum * buffer[i] : buffer[i]
                                        }
                                        value[i] -= lr * d
                                    }
                                }
                            }
                        }
                    }
                }
            case .adam(let beta1, let beta2, let epsilon), .adamW(let beta1, let beta2, let epsilon):
                if slot.first.isEmpty { slot.first = [Float](repeating: 0, count: grad.count) }
                if slot.second.isEmpty { slot.second = [Float](repeating: 0, count: grad.count) }
                let decay: (l2: Float, factor: Float) = if case .adamW = rule { (0, 1 - lr * wd) } else { (wd, 1) }
                let t = Double(slot.steps)
                let stepSize = Float(Double(lr) / (1 - pow(Double(beta1), t)))
                let root2 = Float((1 - pow(Double(beta2), t)).squareRoot())
                let update = AdamUpdate(factor: decay.factor, l2: decay.l2, beta1: beta1, beta2: beta2, epsilon: epsilon,
                                        stepSize: stepSize, root2: root2)
                p.updateInPlace { values in
                    values.withUnsafeMutableBufferPointer { value in
                        grad.withUnsafeBufferPointer { g in
                            slot.first.withUnsafeMutableBufferPointer { m in
                                slot.second.withUnsafeMutableBufferPointer { v in
                                    guard let base = value.baseAddress else { return }
                                    let (g, m, v) = (g.baseAddress!, m.baseAddress!, v.baseAddress!)
                                    ComputeThreads.splitElements(value.count) { slice in
                                        let start = slice.lowerBound
                                        update.apply(base + start, g + start, m + start, v + start, slice.count)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        StepProfile.lap("optimizer step", .optimizer)
    }

    /// The state as named arrays: `step` (calls of ``step()``), and per parameter `<name>.step`
    /// with `<name>.exp_avg`, `<name>.exp_avg_sq` (Adam, AdamW) or `<name>.momentum_buffer` (SGD).
    public var state: [String: [Float]] {
        var state: [String: [Float]] = ["step": [Float(stepCount)]]
        for ((name, _), slot) in zip(parameters, slots) where slot.steps > 0 {
            state["\(name).step"] = [Float(slot.steps)]
            for (key, values) in zip(stateKeys, [slot.first, slot.second]) where !values.isEmpty {
                state["\(name).\(key)"] = values
            }
        }
        return state
    }

    /// Restores a state produced by ``state`` (a parameter without `<name>.step` but with
    /// buffers takes the global `step`, as older checkpoints have it).
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when an array has the wrong length; nothing
    ///   is changed then.
    public func load(state: [String: [Float]]) throws {
        for ((name, p), _) in zip(parameters, slots) {
            for key in stateKeys {
                if let values = state["\(name).\(key)"], values.count != p.value.count {
                    throw NetworkError.shapeMismatch("optimiser state \(name).\(key) has \(values.count) values, the parameter \(p.value.count)")
                }
            }
        }
        stepCount = Int(state["step"]?.first ?? 0)
        for ((name, _), slot) in zip(parameters, slots) {
            let buffers = stateKeys.map { state["\(name).\($0)"] ?? [] }
            slot.first = buffers[0]
            slot.second = buffers.count > 1 ? buffers[1] : []
            slot.steps = state["\(name).step"].map { Int($0[0]) } ?? (buffers[0].isEmpty ? 0 : stepCount)
        }
    }

    /// Names of the two state buffers under the current rule (PyTorch's keys).
    private var stateKeys: [String] {
        if case .sgd = rule { return ["momentum_buffer"] }
        return ["exp_avg", "exp_avg_sq"]
    }
}

/// One Adam(W) update of a run of values, eight lanes at a time (the square root and division
/// of a plain loop stay scalar): `p ← p·factor`, `g ← g + l2·p`, `m ← m + (1−β₁)(g − m)`,
/// `v ← β₂v + (1−β₂)g²`, `p ← p − stepSize·m/(√v/root2 + ε)`.
private struct AdamUpdate {
    let factor: Float, l2: Float, beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, root2: Float

    /// Updates `n` values of the parameter `p` and its moments `m`, `v` from the gradient `g`.
    func apply(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
               _ v: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            var (mi, vi) = (Kernels.load(m + i), Kernels.load(v + i))
            Kernels.store(lanes(Kernels.load(p + i), Kernels.load(g + i), &mi, &vi), p + i)
            Kernels.store(mi, m + i)
            Kernels.store(vi, v + i)
            i += 8
        }
        guard i < n else { return }
        // The last values in zero-padded lanes, whose results are dropped.
        var (pt, gt, mt, vt) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        for j in 0..<(n - i) { (pt[j], gt[j], mt[j], vt[j]) = (p[i + j], g[i + j], m[i + j], v[i + j]) }
        pt = lanes(pt, gt, &mt, &vt)
        for j in 0..<(n - i) { (p[i + j], m[i + j], v[i + j]) = (pt[j], mt[j], vt[j]) }
    }

    @inline(__always)
    private func lanes(_ p: SIMD8<Float>, _ g: SIMD8<Float>, _ m: inout SIMD8<Float>, _ v: inout SIMD8<Float>) -> SIMD8<Float> {
        let decayed = p * factor, gradient = g + l2 * decayed
        m += (1 - beta1) * (gradient - m)
        v = beta2 * v + (1 - beta2) * gradient * gradient
        return decayed - stepSize * m / (v.squareRoot() / root2 + epsilon)
    }
}
