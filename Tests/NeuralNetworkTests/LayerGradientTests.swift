import Testing
import NeuralNetwork
import TestSupport

/// Every layer's backward pass against finite differences (see `checkGradients`).
@Suite struct LayerGradientTests {
    @Test(arguments: [
        ([2, 3, 9], [3]), ([2, 2, 6, 5], [3, 3]), ([1, 2, 4, 5, 4], [3, 3, 3]),
    ])
    func weightedConvolutionWithTrainableDensity(shape: [Int], kernel: [Int]) throws {
        let conv = Convolution(inChannels: shape[1], outChannels: 3, kernelSize: kernel,
                               options: .init(padding: .same), density: .symmetric([0.6]), trainableDensity: true, seed: 4)
        conv.bias!.assign([0.1, -0.2, 0.3])
        try checkGradients(input: randomTensor(shape, seed: 1), parameters: conv.parameters) { try conv($0) }
    }

    @Test func standardConvolutionWithStrideAndGroups() throws {
        let conv = Convolution(inChannels: 4, outChannels: 4, kernelSize: [3, 3],
                               options: .init(stride: [2], padding: .symmetric([1]), groups: 2), seed: 5)
        try checkGradients(input: randomTensor([2, 4, 7, 6], seed: 2), parameters: conv.parameters) { try conv($0) }
    }

    @Test(arguments: [true, false])
    func batchNorm(training: Bool) throws {
        let norm = BatchNorm(channels: 3)
        norm.weight.assign([1.5, 0.5, -1])
        norm.bias.assign([0.1, 0, -0.3])
        norm.runningMean.values = [0.1, -0.2, 0.05]
        norm.runningVariance.values = [0.8, 1.2, 0.5]
        norm.setTraining(training)
        let state = (norm.runningMean.values, norm.runningVariance.values)
        try checkGradients(input: randomTensor([4, 3, 3, 2], seed: 3), parameters: norm.parameters) { x in
            defer { (norm.runningMean.values, norm.runningVariance.values) = state }
            return try norm(x)
        }
    }

    @Test func batchNormUpdatesRunningStatisticsLikePyTorch() throws {
        let norm = BatchNorm(channels: 1)
        _ = try norm(Variable(Tensor(shape: [4, 1], scalars: [1, 2, 3, 6])))
        // mean 3, biased variance 3.5, unbiased 14/3; momentum 0.1 from (0, 1).
        #expect(abs(norm.runningMean.values[0] - 0.3) < 1e-6)
        #expect(abs(norm.runningVariance.values[0] - (0.9 + 0.1 * 14 / 3)) < 1e-6)
        norm.setTraining(false)
        let y = try norm(Variable(Tensor(shape: [1, 1], scalars: [0.3])))
        #expect(abs(y.value.scalars[0]) < 1e-6)
    }

    @Test func channelLayerNorm() throws {
        let norm = ChannelLayerNorm(channels: 4)
        norm.weight.assign([1, 2, 0.5, -1])
        norm.bias.assign([0, 0.1, 0.2, 0.3])
        try checkGradients(input: randomTensor([2, 4, 3, 3], seed: 4), parameters: norm.parameters) { try norm($0) }
    }

    @Test func activations() throws {
        try checkGradients(input: randomTensor([2, 3, 4], seed: 5, awayFromZero: true)) { relu($0) }
        try checkGradients(input: randomTensor([2, 3, 4], seed: 6)) { gelu($0) }
    }

    @Test(arguments: [Pooling.Kind.max, .average])
    func pooling(kind: Pooling.Kind) throws {
        let pool = Pooling(kind, window: [2], stride: [2])
        try checkGradients(input: randomTensor([2, 2, 6, 5], seed: 7)) { try pool($0) }
        let pool3 = Pooling(kind, window: [3, 2, 2], stride: [1, 2, 2])
        try checkGradients(input: randomTensor([1, 2, 4, 4, 4], seed: 8)) { try pool3($0) }
        let y = try Pooling(kind, window: [2])(Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 4, 2, 3])))
        #expect(y.value.scalars == [kind == .max ? 4 : 2.5])
    }

    @Test func globalAveragePoolingLinearAndFlatten() throws {
        let linear = Linear(inFeatures: 6, outFeatures: 4, seed: 9)
        linear.bias!.assign([0.5, -0.5, 0.2, 0])
        let pool = GlobalAveragePooling()
        try checkGradients(input: randomTensor([3, 6, 3, 2], seed: 9), parameters: linear.parameters) { x in
            try linear(try Function.flatten(try pool(x)))
        }
    }

    @Test func gatesSplitsAndConcatenation() throws {
        try checkGradients(input: randomTensor([2, 4, 3, 3], seed: 10)) { x in
            let gated = try Function.simpleGate(x)
            let attention = try scaleChannels(gated, by: try GlobalAveragePooling()(gated))
            return try concatenateChannels([attention, try channels(x, 1..<3), try add(gated, gated), try subtract(gated, attention)])
        }
    }

    @Test func pixelShuffleRoundTripAndGradient() throws {
        let x = randomTensor([2, 8, 3, 2], seed: 11)
        let up = PixelShuffle(factor: 2), down = PixelShuffle(factor: 2, inverse: true)
        let y = try up(Variable(x))
        #expect(y.shape == [2, 2, 6, 4])
        #expect(try down(y).value == x)
        // [1, 4, 1, 1] → [1, 1, 2, 2] puts channel i·2 + j at (i, j), as torch.nn.PixelShuffle.
        #expect(try up(Variable(Tensor(shape: [1, 4, 1, 1], scalars: [1, 2, 3, 4]))).value.scalars == [1, 2, 3, 4])
        try checkGradients(input: x) { try up($0) }
        try checkGradients(input: x) { try down(try up($0)) }
    }

    @Test func dropoutScalesKeptValuesAndIsIdentityInEvaluation() throws {
        let dropout = Dropout(probability: 0.5, seed: 3)
        let x = Variable(Tensor(shape: [1000], repeating: 1))
        let y = try dropout(x)
        #expect(Set(y.value.scalars) == [0, 2])
        dropout.setTraining(false)
        #expect(try dropout(x).value == x.value)
    }

    @Test func frozenDensityGetsNoGradientAndDilatedStridedOneDimensionalConvolution() throws {
        let conv = Convolution(inChannels: 2, outChannels: 3, kernelSize: [5],
                               options: .init(stride: [2], padding: .symmetric([3]), dilation: [2]),
                               density: .symmetric([0.3, 0.8]), trainableDensity: false, seed: 12)
        try checkGradients(input: randomTensor([2, 2, 11], seed: 12), parameters: [conv.weight, conv.bias!]) { try conv($0) }
        #expect(conv.density!.grad == nil && !conv.density!.requiresGrad)
    }

    @Test func adaptiveAveragePooling() throws {
        // PyTorch's bins for 5 → 3: [0, 2), [1, 4), [3, 5).
        let y = try AdaptiveAveragePooling(outputSize: [3])(Variable(Tensor(shape: [1, 1, 5], scalars: [1, 2, 3, 4, 5])))
        #expect(y.value.scalars == [1.5, 3, 4.5])
        try checkGradients(input: randomTensor([2, 2, 5, 7], seed: 13)) { try AdaptiveAveragePooling(outputSize: [3, 4])($0) }
        try checkGradients(input: randomTensor([1, 2, 3, 4, 2], seed: 14)) { try GlobalAveragePooling()($0) }
        #expect(throws: NetworkError.self) { try AdaptiveAveragePooling(outputSize: [2, 2])(Variable(Tensor(shape: [1, 1, 4]))) }
    }

    @Test func fusedSimpleGateEqualsTheComposedOneAndGatesDifferentiate() throws {
        let x = randomTensor([2, 6, 3, 2], seed: 15)
        let composed = try multiply(try channels(Variable(x), 0..<3), try channels(Variable(x), 3..<6))
        #expect(try simpleGate(Variable(x)).value == composed.value)
        try checkGradients(input: x) { try simpleGate($0) }
        try checkGradients(input: x) { try multiply($0, try reshape(try reshape($0, to: [72]), to: x.shape)) }
        #expect(throws: NetworkError.self) { try simpleGate(Variable(Tensor(shape: [1, 3, 2]))) }
    }

    @Test func learntChannelScales() throws {
        let scale = Parameter(name: "beta", value: randomTensor([1, 3, 1, 1], seed: 16), group: .noDecay)
        try checkGradients(input: randomTensor([2, 3, 2, 3], seed: 17), parameters: [scale]) { try scaleChannels($0, by: scale) }
    }

    @Test func layerNormOnVolumesAndBatchNormOnVectors() throws {
        let norm = ChannelLayerNorm(channels: 3)
        norm.weight.assign([0.5, 1.5, -1])
        try checkGradients(input: randomTensor([2, 3, 2, 3, 2], seed: 18), parameters: norm.parameters) { try norm($0) }
        let batchNorm = BatchNorm(channels: 4)
        batchNorm.bias.assign([0.1, 0.2, 0.3, 0.4])
        try checkGradients(input: randomTensor([5, 4], seed: 19), parameters: batchNorm.parameters) { try batchNorm($0) }
    }

    @Test func dropoutGradientFollowsTheMask() throws {
        let dropout = Dropout(probability: 0.25, seed: 9)
        let x = Variable(Tensor(shape: [2, 50], repeating: 1), requiresGrad: true)
        let y = try dropout(x)
        let r = randomTensor([2, 50], seed: 20).scalars
        sum(y, weightedBy: r).backward()
        // y = mask ⊙ x with x = 1, so ∂(Σ r⊙y)/∂x = r ⊙ mask = r ⊙ y.
        #expect(x.grad! == zip(r, y.value.scalars).map { $0 * $1 })
    }

    @Test func simplifiedChannelAttention() throws {
        let attention = SimplifiedChannelAttention(channels: 3, seed: 21)
        attention.projection.bias!.assign([0.5, -0.5, 1])
        #expect(attention.namedParameters().map(\.name) == ["1.weight", "1.bias"])
        try checkGradients(input: randomTensor([2, 3, 4, 3], seed: 22), parameters: attention.parameters) { try attention($0) }
    }
}
