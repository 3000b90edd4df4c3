import Testing
import NeuralNetwork

/// Losses against finite differences and hand-computed values; optimiser steps against
/// PyTorch's update formulas worked out by hand; schedules against their closed forms.
@Suite struct LossAndOptimizerTests {
    @Test(arguments: [Float(0), 0.1])
    func crossEntropy(smoothing: Float) throws {
        try checkGradients(input: randomTensor([3, 5], seed: 1)) {
            try Loss.crossEntropy($0, labels: [0, 4, 2], smoothing: smoothing)
        }
        // Uniform logits: the loss is log K whatever the smoothing.
        let uniform = try Loss.crossEntropy(Variable(Tensor(shape: [1, 4])), labels: [2], smoothing: smoothing)
        #expect(abs(uniform.value.scalars[0] - logf(4)) < 1e-6)
        #expect(throws: NetworkError.self) { try Loss.crossEntropy(Variable(Tensor(shape: [1, 4])), labels: [4]) }
    }

    @Test func regressionLosses() throws {
        let target = randomTensor([2, 1, 3, 3], seed: 9)
        try checkGradients(input: randomTensor([2, 1, 3, 3], seed: 2)) { try Loss.meanSquaredError($0, target: target) }
        try checkGradients(input: randomTensor([2, 1, 3, 3], seed: 3)) { try Loss.meanAbsoluteError($0, target: target) }
        try checkGradients(input: randomTensor([2, 1, 3, 3], seed: 4), tolerance: 5e-2) { try Loss.psnr($0, target: target) }
        let mse = try Loss.meanSquaredError(Variable(Tensor(shape: [2], scalars: [1, 3])), target: Tensor(shape: [2], scalars: [0, 1]))
        #expect(mse.value.scalars == [2.5])
        #expect(abs(Metric.psnr([0.5, 0.5], [0.4, 0.6]) - 20) < 1e-5, "0.1 is inexact in Float")
        #expect(throws: NetworkError.self) { try Loss.meanSquaredError(Variable(Tensor(shape: [2])), target: Tensor(shape: [3])) }
    }

    @Test func topKAccuracy() {
        let logits = Tensor(shape: [2, 3], scalars: [0.1, 0.7, 0.2, 0.5, 0.3, 0.2])
        #expect(Metric.correct(logits, labels: [1, 1]) == 1)
        #expect(Metric.correct(logits, labels: [2, 1], topK: 2) == 2)
    }

    /// One parameter p = 1 with gradient 0.5 each step (recomputed by hand from PyTorch's docs).
    func run(_ rule: Optimizer.Rule, weightDecay: Float, steps: Int) -> [Float] {
        let p = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let optimizer = Optimizer([("p", p)], rule: rule, groups: [.weights: .init(learningRate: 0.1, weightDecay: weightDecay)])
        return (0..<steps).map { _ in
            p.zeroGrad()
            sum(p, weightedBy: [0.5]).backward()
            optimizer.step()
            return p.value.scalars[0]
        }
    }

    @Test func sgdMomentumNesterovAndDecay() {
        // g = 0.5 + 0.1·p; buf₁ = g₁; p₁ = 1 − 0.1·0.6 = 0.94.
        // g₂ = 0.594, buf₂ = 0.9·0.6 + 0.594 = 1.134, p₂ = 0.94 − 0.1134 = 0.8266.
        let plain = run(.sgd(momentum: 0.9, nesterov: false), weightDecay: 0.1, steps: 2)
        #expect(abs(plain[0] - 0.94) < 1e-6 && abs(plain[1] - 0.8266) < 1e-6)
        // Nesterov: step uses g + 0.9·buf: p₁ = 1 − 0.1·(0.5 + 0.45) = 0.905.
        // g₂ = 0.5, buf₂ = 0.45 + 0.5 = 0.95, p₂ = 0.905 − 0.1·(0.5 + 0.855) = 0.7695.
        let nesterov = run(.sgd(momentum: 0.9, nesterov: true), weightDecay: 0, steps: 2)
        #expect(abs(nesterov[0] - 0.905) < 1e-6 && abs(nesterov[1] - 0.7695) < 1e-6)
    }

    @Test func adamAndAdamW() {
        // Adam, constant gradient: every bias-corrected step is lr·g/(|g| + ε) ≈ 0.1.
        let adam = run(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0, steps: 3)
        #expect(abs(adam[0] - 0.9) < 1e-6 && abs(adam[2] - 0.7) < 1e-5)
        // AdamW: p ← p·(1 − 0.1·0.5) first, then the same Adam step: 0.95 − 0.1 = 0.85.
        let adamW = run(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.5, steps: 1)
        #expect(abs(adamW[0] - 0.85) < 1e-6)
        // Adam with L2: g = 0.5 + 0.5·1 = 1; the first step is still lr·sign = 0.1.
        let l2 = run(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.5, steps: 1)
        #expect(abs(l2[0] - 0.9) < 1e-6)
    }

    @Test func stateRoundTripContinuesIdentically() throws {
        func make() -> (Parameter, Optimizer) {
            let p = Parameter(name: "w", value: Tensor(shape: [3], scalars: [1, -2, 0.5]), group: .weights)
            return (p, Optimizer([("w", p)], rule: .adamW(beta1: 0.9, beta2: 0.99, epsilon: 1e-8),
                                 groups: [.weights: .init(learningRate: 0.01, weightDecay: 0.1)]))
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
        step(a, optimizerA)
        step(b, optimizerB)
        #expect(a.value.scalars == b.value.scalars)
        #expect(throws: NetworkError.self) { try optimizerB.load(state: ["w.exp_avg": [1]]) }
    }

    @Test func densitiesHaveTheirOwnLearningRate() {
        let w = Parameter(name: "w", value: Tensor(shape: [1], scalars: [1]), group: .weights)
        let d = Parameter(name: "d", value: Tensor(shape: [1], scalars: [1]), group: .densities)
        let optimizer = Optimizer([("w", w), ("d", d)], rule: .sgd(momentum: 0, nesterov: false),
                                  groups: [.weights: .init(learningRate: 0.1), .densities: .init(learningRate: 0.01)])
        sum(w, weightedBy: [1]).backward()
        sum(d, weightedBy: [1]).backward()
        optimizer.step()
        #expect(abs(w.value.scalars[0] - 0.9) < 1e-7 && abs(d.value.scalars[0] - 0.99) < 1e-7)
    }

    @Test func schedules() {
        #expect(Schedule.step(size: 3, gamma: 0.1).factor(epoch: 7) == powf(0.1, 2))
        #expect(abs(Schedule.cosine(epochs: 10, minimum: 0).factor(epoch: 5) - 0.5) < 1e-6)
        #expect(Schedule.cosine(epochs: 10, minimum: 0.01).factor(epoch: 10) == 0.01)
        // Restarts at 2, 2 + 4 = 6: epoch 6 is a fresh start, epoch 4 is half-way through the second cycle.
        let restarts = Schedule.warmRestarts(t0: 2, mult: 2, minimum: 0)
        #expect(restarts.factor(epoch: 6) == 1)
        #expect(abs(restarts.factor(epoch: 4) - 0.5) < 1e-6)
        let warm = Schedule.warmup(epochs: 4, then: .constant)
        #expect(warm.factor(epoch: 0) == 0.25 && warm.factor(epoch: 9) == 1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
