import GridCore
import Testing
import NeuralNetwork

/// Names, counts, freezing, saving and loading, the graph's lifetime, and a tiny network that
/// learns.
@Suite struct ModuleTests {
    /// conv(1→4, 3×3, weighted, trainable density) → BN → ReLU → max pool → [GAP → flatten → linear(4→3)].
    func tinyNetwork(seed: UInt64 = 7) -> Sequential {
        Sequential([
            Convolution(inChannels: 1, outChannels: 4, kernelSize: [3, 3], options: .init(padding: .same),
                        density: .symmetric([0.5]), trainableDensity: true, bias: false, seed: seed),
            BatchNorm(channels: 4), Function.relu, Pooling(.max, window: [2]),
            Sequential([GlobalAveragePooling(), Function.flatten, Linear(inFeatures: 4, outFeatures: 3, seed: seed + 1)]),
        ])
    }

    /// Eight 6×6 images of three classes (a bright row, a bright column, a bright centre).
    let images: Tensor = {
        var values = [Float](repeating: 0, count: 9 * 36)
        for n in 0..<9 {
            for i in 0..<6 {
                let index = switch n % 3 { case 0: (n / 3 + 1) * 6 + i; case 1: i * 6 + n / 3 + 1; default: 14 + (i % 2) * 6 + i / 3 }
                values[n * 36 + index] = 1
            }
        }
        return Tensor(shape: [9, 1, 6, 6], scalars: values)
    }()
    let labels = (0..<9).map { $0 % 3 }

    @Test func namesFollowPyTorch() {
        let model = tinyNetwork()
        #expect(model.namedParameters().map(\.name) == [
            "0.weight", "0.density", "1.weight", "1.bias", "4.2.weight", "4.2.bias",
        ])
        #expect(model.namedBuffers().map(\.name) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        #expect(model.namedParameters().map(\.parameter.group) == [.weights, .densities, .noDecay, .noDecay, .weights, .noDecay])
        #expect(model.parameterCount == 36 + 1 + 4 + 4 + 12 + 3)
        model.setTrainable(false) { name, _ in name.hasSuffix("density") }
        #expect(model.parameterCount == 36 + 4 + 4 + 12 + 3)
    }

    @Test func initialisationIsSeededKaimingAndNormal() {
        let conv = Convolution(inChannels: 8, outChannels: 64, kernelSize: [3, 3], seed: 1)
        let w = conv.weight.value.scalars
        let variance = w.reduce(0) { $0 + $1 * $1 } / Float(w.count)
        // Kaiming normal, fan-out = 64·9: variance 2/576 ≈ 0.00347; 4608 samples give ±4 % (2σ).
        #expect(abs(variance / (2 / 576) - 1) < 0.08)
        #expect(conv.bias!.value.scalars.allSatisfy { $0 == 0 })
        #expect(Convolution(inChannels: 8, outChannels: 64, kernelSize: [3, 3], seed: 1).weight.value == conv.weight.value)
        let linear = Linear(inFeatures: 100, outFeatures: 50, weightStandardDeviation: 0.01, seed: 2)
        let l = linear.weight.value.scalars
        #expect(abs((l.reduce(0) { $0 + $1 * $1 } / Float(l.count)).squareRoot() / 0.01 - 1) < 0.05)
    }

    @Test func trainingLowersTheLoss() throws {
        let model = tinyNetwork()
        let optimizer = Optimizer(model.namedParameters(), rule: .sgd(momentum: 0.9, nesterov: false),
                                  groups: [.weights: .init(learningRate: 0.1, weightDecay: 5e-4), .noDecay: .init(learningRate: 0.1),
                                           .densities: .init(learningRate: 0.01)])
        var losses: [Float] = []
        for _ in 0..<30 {
            model.zeroGradients()
            let loss = try Loss.crossEntropy(try model(Variable(images)), labels: labels)
            losses.append(loss.value.scalars[0])
            loss.backward()
            optimizer.step()
        }
        #expect(losses.last! < 0.5 * losses.first!, "\(losses)")
        let density = model.namedParameters().first { $0.name == "0.density" }!.parameter
        #expect(density.value.scalars != [0.5], "the trainable density moved")
    }

    @Test func savedStateRoundTripContinuesBitForBit() throws {
        func step(_ model: Sequential, _ optimizer: Optimizer) throws {
            model.zeroGradients()
            try Loss.crossEntropy(try model(Variable(images)), labels: labels, smoothing: 0.1).backward()
            optimizer.step()
        }
        func make() -> (Sequential, Optimizer) {
            let model = tinyNetwork(seed: 11)
            return (model, Optimizer(model.namedParameters(), rule: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                     groups: [.weights: .init(learningRate: 1e-2, weightDecay: 1e-2), .noDecay: .init(learningRate: 1e-2),
                                              .densities: .init(learningRate: 1e-2, weightDecay: 1e-2)]))
        }
        let (a, optimizerA) = make()
        for _ in 0..<3 { try step(a, optimizerA) }
        let (b, optimizerB) = make()
        try b.load(namedTensors: Dictionary(uniqueKeysWithValues: a.namedTensors().map { ($0.name, $0.tensor) }))
        try optimizerB.load(state: optimizerA.state)
        try step(a, optimizerA)
        try step(b, optimizerB)
        for ((name, x), (_, y)) in zip(a.namedTensors(), b.namedTensors()) { #expect(x == y, "\(name)") }
        a.setTraining(false)
        b.setTraining(false)
        #expect(try a(Variable(images)).value == b(Variable(images)).value)
    }

    @Test func loadingRejectsForeignState() throws {
        let model = tinyNetwork()
        var state = Dictionary(uniqueKeysWithValues: model.namedTensors().map { ($0.name, $0.tensor) })
        state["0.weight"] = Tensor(shape: [4, 1, 5, 5])
        #expect(throws: NetworkError.self) { try model.load(namedTensors: state) }
        #expect(throws: NetworkError.self) { try model.load(namedTensors: ["extra": Tensor(shape: [1])], strict: false) }
        #expect(throws: NetworkError.self) { try model.load(namedTensors: [:]) }
        try model.load(namedTensors: ["1.bias": Tensor(shape: [4], repeating: 2)], strict: false)
        #expect(model.namedParameters().first { $0.name == "1.bias" }!.parameter.value.scalars == [2, 2, 2, 2])
    }

    @Test func batchNormTrainingAndEvaluationDiffer() throws {
        let norm = BatchNorm(channels: 2, momentum: 0.5)
        let x = Tensor(shape: [2, 2, 2], scalars: [1, 3, 10, 10, 5, 7, 10, 14])
        let train = try norm(Variable(x)).value.scalars
        // Channel 0: values 1, 3, 5, 7 → mean 4, biased variance 5: (x − 4)/√5.
        #expect(abs(train[0] + 3 / Float(5).squareRoot()) < 1e-4)
        // Running statistics moved half-way: mean (0 + 4)/2 = 2, variance (1 + 20/3)/2.
        #expect(abs(norm.runningMean.values[0] - 2) < 1e-6 && abs(norm.runningVariance.values[0] - (1 + 20.0 / 3) / 2) < 1e-5)
        #expect(norm.batchesTracked.values == [1])
        norm.setTraining(false)
        let eval = try norm(Variable(x)).value.scalars
        #expect(abs(eval[0] - (1 - 2) / (norm.runningVariance.values[0] + 1e-5).squareRoot()) < 1e-6)
        #expect(norm.batchesTracked.values == [1], "evaluation leaves the statistics alone")
        norm.setTraining(true)
        #expect(throws: NetworkError.self) { try norm(Variable(Tensor(shape: [1, 2, 1], scalars: [1, 2]))) }
    }

    @Test func backwardReleasesTheGraphAndNoGradRecordsNothing() throws {
        let model = tinyNetwork()
        let x = Variable(images, requiresGrad: true)
        let hidden = try model.layers[0](x)
        let loss = try Loss.crossEntropy(try Sequential(Array(model.layers.dropFirst()))(hidden), labels: labels)
        loss.backward()
        #expect(hidden.grad == nil, "intermediate gradients are freed")
        #expect(x.grad != nil && model.parameters.allSatisfy { $0.grad != nil }, "leaves keep theirs")
        let output = try withoutGradients { try model(Variable(images)) }
        #expect(!output.requiresGrad)
    }

    @Test func tensorsShareStorageWithGrids() throws {
        let grid = try Grid<3>(dims: [1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let tensor = Tensor(grid)
        #expect(tensor.shape == [1, 2, 3])
        #expect(try Grid<3>(tensor).scalars == grid.scalars)
        #expect(throws: GridError.self) { try Grid<2>(tensor) }
        #expect(tensor.batch(0..<1) == tensor)
    }
}
