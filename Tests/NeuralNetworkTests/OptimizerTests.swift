#if canImport(Glibc)
import Glibc
#endif
import Testing
import NeuralNetwork

/// Optimiser steps against PyTorch's update formulas evaluated by hand (in double precision,
/// values listed below), schedules against PyTorch's closed forms, gradient clipping.
///
/// Tolerance 1e-6 on values near 1: a few Float32 roundings (ε ≈ 6e-8 each) per step.
@Suite struct OptimizerTests {
    /// A parameter p₀ = 1 receiving the gradients 0.5, −0.2, 0.1 (lr 0.1, weight decay `wd`).
    func run(_ rule: Optimizer.Rule, weightDecay: Float) -> [Float] {
        let p = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let optimizer = Optimizer([("p", p)], rule: rule, groups: [.weights: .init(learningRate: 0.1, weightDecay: weightDecay)])
        return [Float(0.5), -0.2, 0.1].map { g in
            p.zeroGrad()
            sum(p, weightedBy: [g]).backward()
            optimizer.step()
            return p.value.scalars[0]
        }
    }

    func expectClose(_ actual: [Float], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (a, e) in zip(actual, expected) {
            #expect(abs(Double(a) - e) < 1e-6, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func sgdMomentumNesterovAndWeightDecay() {
        // d = g + 0.1·p; buf₁ = d₁, buf ← 0.9·buf + d; p ← p − 0.1·buf (or d + 0.9·buf with Nesterov).
        expectClose(run(.sgd(momentum: 0.9, nesterov: false), weightDecay: 0.1), [0.94, 0.8966, 0.838574])
        expectClose(run(.sgd(momentum: 0.9, nesterov: true), weightDecay: 0.1), [0.886, 0.858566, 0.788536646])
        expectClose(run(.sgd(momentum: 0, nesterov: false), weightDecay: 0), [0.95, 0.97, 0.96])
    }

    @Test func adamAndAdamW() {
        // β = (0.9, 0.999), ε = 1e-8; Adam adds 0.1·p to g, AdamW scales p by 1 − 0.1·0.1 first.
        expectClose(run(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.1),
                    [0.9000000016666666, 0.8475190629593703, 0.7901621834311943])
        expectClose(run(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.1),
                    [0.890000002, 0.8465394180965108, 0.8001348466347304])
    }

    @Test func parametersWithoutGradientKeepTheirOwnStepCount() {
        // As PyTorch: a parameter skipped in step 1 takes its first (bias-corrected) step at step 2.
        let a = Parameter(name: "a", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let b = Parameter(name: "b", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let optimizer = Optimizer([("a", a), ("b", b)], rule: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                  groups: [.weights: .init(learningRate: 0.1)])
        sum(a, weightedBy: [1]).backward()
        optimizer.step()
        sum(b, weightedBy: [1]).backward()
        optimizer.step()
        #expect(abs(b.value.scalars[0] - 0.9) < 1e-6)
        #expect(optimizer.state["b.step"] == [1] && optimizer.state["a.step"] == [2])
    }

    @Test func densitiesHaveTheirOwnLearningRateAndFrozenParametersStay() {
        let w = Parameter(name: "w", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let d = Parameter(name: "d", value: Tensor(shape: [1], scalars: [1]), group: .densities)
        let frozen = Parameter(name: "f", value: Tensor(shape: [1], scalars: [1]), group: .weights, trainable: false)
        let optimizer = Optimizer([("w", w), ("d", d), ("f", frozen)], rule: .sgd(momentum: 0, nesterov: false),
                                  groups: [.weights: .init(learningRate: 0.1), .densities: .init(learningRate: 0.01)])
        optimizer.learningRateScale = [.densities: 0.5]
        sum(w, weightedBy: [1]).backward()
        sum(d, weightedBy: [1]).backward()
        sum(frozen, weightedBy: [1]).backward()
        optimizer.step()
        #expect(abs(w.value.scalars[0] - 0.9) < 1e-7 && abs(d.value.scalars[0] - 0.995) < 1e-7)
        #expect(frozen.value.scalars == [1] && frozen.grad == nil)
    }

    @Test(arguments: [Optimizer.Rule.sgd(momentum: 0.9, nesterov: true), .adamW(beta1: 0.9, beta2: 0.99, epsilon: 1e-8)])
    func stateRoundTripContinuesIdentically(rule: Optimizer.Rule) throws {
        func make() -> (Parameter, Optimizer) {
            let p = Parameter(name: "w", value: Tensor(shape: [3], scalars: [1, -2, 0.5]), group: .weights)
            return (p, Optimizer([("w", p)], rule: rule, groups: [.weights: .init(learningRate: 0.01, weightDecay: 0.1)]))
        }
        func step(_ p: Parameter, _ o: Optimizer) {
            p.zeroGrad()
            sum(p, weightedBy: p.value.scalars.map { $0 * $0 }).backward()
            o.step()
        }
        let (a, optimizerA) = make()
        for _ in 0..<3 { step(a, optimizerA) }
        let (b, optimizerB) = make()
        b.assign(a.value.scalars)
        try optimizerB.load(state: optimizerA.state)
        #expect(optimizerB.state == optimizerA.state)
        step(a, optimizerA)
        step(b, optimizerB)
        #expect(a.value.scalars == b.value.scalars)
        let key = if case .sgd = rule { "w.momentum_buffer" } else { "w.exp_avg" }
        #expect(throws: NetworkError.self) { try optimizerB.load(state: [key: [1]]) }
    }

    @Test func schedulesFollowPyTorchClosedForms() {
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) < 1e-6 }
        // StepLR: γ^⌊e/size⌋.
        #expect(Schedule.step(size: 3, gamma: 0.1).factor(epoch: 7) == powf(0.1, 2))
        // CosineAnnealingLR (T_max 10, η_min = 0.01·base): η_min + (1 − η_min)(1 + cos(πe/10))/2.
        let cosine = Schedule.cosine(epochs: 10, minimum: 0.01)
        #expect(cosine.factor(epoch: 0) == 1)
        #expect(close(cosine.factor(epoch: 3), 0.7959536998847742) && close(cosine.factor(epoch: 7), 0.21404630011522585))
        #expect(cosine.factor(epoch: 10) == 0.01 && cosine.factor(epoch: 12) == 0.01)
        // CosineAnnealingWarmRestarts (T₀ 3, T_mult 2, η_min 0.1): cycles [0, 3), [3, 9), [9, 21), …
        let restarts = Schedule.warmRestarts(t0: 3, mult: 2, minimum: 0.1)
        for (epoch, expected) in [(0, 1.0), (1, 0.775), (2, 0.325), (3, 1.0), (5, 0.775), (8, 0.1602886), (9, 1.0), (20, 0.1153334), (21, 1.0)] {
            #expect(abs(Double(restarts.factor(epoch: epoch)) - expected) < 1e-6, "epoch \(epoch)")
        }
        // Linear warm-up over 4 epochs ((e+1)/4, i.e. LinearLR from 1/4), then the schedule shifted by 4.
        let warm = Schedule.warmup(epochs: 4, then: .cosine(epochs: 10, minimum: 0.01))
        #expect(warm.factor(epoch: 0) == 0.25 && warm.factor(epoch: 2) == 0.75)
        #expect(warm.factor(epoch: 4) == 1 && close(warm.factor(epoch: 7), 0.7959536998847742))
    }

    @Test func gradientClippingScalesToTheMaximumNorm() {
        let a = Parameter(name: "a", value: Tensor(shape: [2], scalars: [0, 0]), group: .weights)
        let b = Parameter(name: "b", value: Tensor(shape: [1], scalars: [0]), group: .noDecay)
        sum(a, weightedBy: [3, 0]).backward()
        sum(b, weightedBy: [4]).backward()
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(a.grad![0] - 0.6) < 1e-6 && abs(b.grad![0] - 0.8) < 1e-6)
        #expect(clipGradientNorm([a, b], maxNorm: 2) < 1.0001 && abs(a.grad![0] - 0.6) < 1e-6, "below the maximum: unchanged")
    }
}
