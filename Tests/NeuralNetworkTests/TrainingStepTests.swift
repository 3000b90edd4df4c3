#if canImport(Glibc)
import Glibc
#endif
import Testing
import NeuralNetwork
import TestSupport

/// The fast paths of a training step against the slow, obvious forms they replace: the fused
/// batch norm + ReLU against `relu(batchNorm(x))`, element-wise ops and gradient sums split over
/// threads (tensors above the 32 768-element split threshold) against plain loops, the eight-lane
/// Adam update against the formula in double precision; and the step profile's laps.
@Suite struct TrainingStepTests {
    /// Values and gradients (input, γ, β) of `build` under the probe loss `Σ r ⊙ y`.
    func valuesAndGradients(_ norm: BatchNorm, _ input: Tensor, _ build: (Variable) throws -> Variable) throws -> [[Float]] {
        norm.zeroGradients()
        let x = Variable(input, requiresGrad: true)
        let y = try build(x)
        var random = TestRandom(seed: 11)
        sum(y, weightedBy: random.values(y.value.count)).backward()
        return [y.value.scalars, x.grad ?? [], norm.weight.grad ?? [], norm.bias.grad ?? []]
    }

    func norm(training: Bool) -> BatchNorm {
        let norm = BatchNorm(channels: 5)
        norm.weight.assign([1.5, 0.5, -1, 0.8, 2])
        norm.bias.assign([0.1, 0, -0.3, 0.4, -0.2])
        norm.runningMean.values = [0.1, -0.2, 0.05, 0, 0.3]
        norm.runningVariance.values = [0.8, 1.2, 0.5, 1, 2]
        norm.setTraining(training)
        return norm
    }

    /// Fused and composed agree to a few roundings (the same formulas in the same order, except
    /// that ReLU's mask now precedes the per-channel sums: 1e-5 relative).
    @Test(arguments: [true, false])
    func batchNormWithReLUEqualsReLUOfBatchNorm(training: Bool) throws {
        let input = randomTensor([3, 5, 7, 3], seed: 21)
        let fused = try valuesAndGradients(norm(training: training), input) { try norm(training: training).forward($0, rectified: true) }
        let composed = try valuesAndGradients(norm(training: training), input) { relu(try norm(training: training)($0)) }
        #expect(fused[0].contains(0) && fused[0].contains { $0 > 0 }, "the test must cross ReLU's kink")
        for (a, b) in zip(fused, composed) {
            #expect(a.count == b.count)
            for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-5 * max(1, abs(v)), "\(u) vs \(v)") }
        }
    }

    @Test func batchNormWithReLUGradientsMatchFiniteDifferences() throws {
        let norm = self.norm(training: true)
        let state = (norm.runningMean.values, norm.runningVariance.values)
        try checkGradients(input: randomTensor([4, 5, 3, 2], seed: 3), parameters: norm.parameters) { x in
            defer { (norm.runningMean.values, norm.runningVariance.values) = state }
            return try norm.forward(x, rectified: true)
        }
    }

    /// A NaN reaches the output through the fused op as through `relu` (so a diverged run is seen).
    @Test func fusedBatchNormWithReLUPropagatesNaN() throws {
        var input = randomTensor([2, 5, 3, 3], seed: 4)
        input.scalars[7] = .nan
        let fused = try norm(training: true).forward(Variable(input), rectified: true)
        let composed = relu(try norm(training: true)(Variable(input)))
        #expect(fused.value.scalars.contains { $0.isNaN } && composed.value.scalars.contains { $0.isNaN })
        #expect(zip(fused.value.scalars, composed.value.scalars).allSatisfy { $0.isNaN == $1.isNaN })
    }

    /// `Sequential` fuses `BatchNorm, Function.relu` (one "batch norm + relu" op) and leaves a
    /// user's own ReLU function alone; both give the same values.
    @Test func sequentialFusesBatchNormAndReLUOnly() throws {
        let input = randomTensor([2, 5, 4, 4], seed: 5)
        func run(_ relu: Function) throws -> (values: [Float], labels: [String]) {
            let profile = StepProfile()
            let y = try profile.recording { try Sequential([norm(training: true), relu])(Variable(input, requiresGrad: true)) }
            return (y.value.scalars, profile.rows.map(\.label))
        }
        let fused = try run(.relu), plain = try run(Function("relu", relu))
        #expect(fused.labels == ["batch norm + relu"] && plain.labels == ["batch norm", "relu"])
        #expect(zip(fused.values, plain.values).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    /// ReLU, add, subtract and the sum of two gradients (a value used twice) over 40 003 values.
    @Test func elementwiseOpsSplitOverThreadsMatchPlainLoops() throws {
        let count = 40_003
        let a = Variable(randomTensor([1, count], seed: 7), requiresGrad: true), b = Variable(randomTensor([1, count], seed: 8), requiresGrad: true)
        let (u, v) = (a.value.scalars, b.value.scalars)
        let rectified = relu(a), total = try add(a, b), difference = try subtract(a, b)
        func same(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0 == $1 } }
        #expect(same(rectified.value.scalars, u.map { max($0, 0) }))
        #expect(same(total.value.scalars, zip(u, v).map(+)))
        #expect(same(difference.value.scalars, zip(u, v).map(-)))
        var random = TestRandom(seed: 9)
        let r = (0..<3).map { _ in random.values(count) }
        let loss = try add(try add(sum(rectified, weightedBy: r[0]), sum(total, weightedBy: r[1])), sum(difference, weightedBy: r[2]))
        loss.backward()
        let expectedA = (0..<count).map { (u[$0] > 0 ? r[0][$0] : 0) + r[1][$0] + r[2][$0] }
        let expectedB = (0..<count).map { r[1][$0] - r[2][$0] }
        #expect(zip(a.grad!, expectedA).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(zip(b.grad!, expectedB).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    /// Three steps on 40 003 values (whole vectors, a tail of 3, two threads' slices) against the
    /// update in double precision; 1e-5 relative: a few Float32 roundings per step.
    @Test(arguments: [false, true])
    func adamLanesMatchTheFormula(decoupled: Bool) {
        let count = 40_003, lr = 0.01, wd = 0.1, (b1, b2, eps): (Float, Float, Float) = decoupled ? (0.8, 0.999, 1e-6) : (0.9, 0.99, 1e-8)
        var random = TestRandom(seed: 13)
        let start = random.values(count)
        let p = Parameter(name: "p", value: Tensor(shape: [count], scalars: start), group: .weights)
        let rule: Optimizer.Rule = decoupled ? .adamW(beta1: b1, beta2: b2, epsilon: eps) : .adam(beta1: b1, beta2: b2, epsilon: eps)
        let optimizer = Optimizer([("p", p)], rule: rule, groups: [.weights: .init(learningRate: Float(lr), weightDecay: Float(wd))])
        var (value, m, v) = (start.map(Double.init), [Double](repeating: 0, count: count), [Double](repeating: 0, count: count))
        for t in 1...3 {
            let g = random.values(count)
            p.zeroGrad()
            sum(p, weightedBy: g).backward()
            optimizer.step()
            let (beta1, beta2, epsilon) = (Double(b1), Double(b2), Double(eps))
            for i in 0..<count {
                if decoupled { value[i] *= 1 - lr * wd }
                let gi = Double(g[i]) + (decoupled ? 0 : wd * value[i])
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let mHat = m[i] / (1 - pow(beta1, Double(t))), vHat = v[i] / (1 - pow(beta2, Double(t)))
                value[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
            }
        }
        let worst = zip(p.value.scalars, value).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!
        #expect(worst < 1e-5, "largest relative error \(worst)")
    }

    /// The laps of a step: every op forward and backward, the graph's ordering and the optimiser,
    /// together the time from the restart to the last lap.
    @Test func profileCoversEveryOpOfAStep() throws {
        let model = Sequential([
            Convolution(inChannels: 1, outChannels: 4, kernelSize: [3, 3], options: .init(padding: .same), density: .symmetric([0.5]),
                        trainableDensity: true, seed: 1),
            BatchNorm(channels: 4), Function.relu, Pooling(.max, window: [2]), Function.flatten, Linear(inFeatures: 36, outFeatures: 3, seed: 2),
        ])
        let optimizer = Optimizer(model.namedParameters(), rule: .sgd(momentum: 0.9, nesterov: false), groups: [.weights: .init(learningRate: 0.1)])
        let profile = StepProfile(clock: .wall)
        let elapsed = try ContinuousClock().measure {
            try profile.recording {
                profile.restart()
                try Loss.crossEntropy(model(Variable(randomTensor([2, 1, 6, 6], seed: 4))), labels: [0, 2]).backward()
                optimizer.step()
            }
        }
        let ops = ["conv 3×3 1→4 on 6×6", "batch norm + relu", "max pool 2×2", "reshape", "linear 36→3", "cross-entropy"]
        #expect(Set(profile.rows.filter { $0.phase == .forward }.map(\.label)) == Set(ops + ["conv plan and W ⊙ Φ fold"]))
        #expect(Set(profile.rows.filter { $0.phase == .backward }.map(\.label)) == Set(ops + ["graph order"]))
        #expect(profile.rows.filter { $0.phase == .optimizer }.map(\.label) == ["optimizer step"])
        #expect(profile.rows.allSatisfy { $0.laps == 1 && $0.seconds >= 0 })
        let laps = StepProfile.Phase.allCases.reduce(0) { $0 + profile.seconds(in: $1) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        #expect(laps > 0 && laps <= seconds)
    }
}
