import Testing
import Models
import NeuralNetwork
import TestSupport

/// The series models of Wang, Yan & Oates (2017) and DnCNN on volumes: shapes forward and
/// backward, parameter counts from the architectures' descriptions, and finite-difference
/// gradients of tiny instances.
@Suite struct RankModelTests {
    func input(_ shape: [Int], seed: UInt64 = 1) -> Variable {
        Variable(Initialization.normal(shape: shape, standardDeviation: 1, seed: seed), requiresGrad: true)
    }

    @Test func fcnShapesAndParameterCount() throws {
        let model = SeriesFCN(inputChannels: 1, classes: 5, factory: ConvolutionFactory(kind: .standard, seed: 1))
        let x = input([2, 1, 30])
        let y = try model(x)
        #expect(y.shape == [2, 5])
        sum(y, weightedBy: [Float](repeating: 1, count: 10)).backward()
        #expect(x.grad?.count == 60 && model.namedParameters().allSatisfy { $0.parameter.grad?.count == $0.parameter.value.count })
        // Paper: 128 filters of 8 taps, 256 of 5, 128 of 3, each with batch norm (γ, β), a
        // softmax layer. Here 7 taps and no convolution bias (batch norm follows).
        let convolutions = 1 * 128 * 7 + 128 * 256 * 5 + 256 * 128 * 3
        let norms = 2 * (128 + 256 + 128)
        #expect(model.parameterCount == convolutions + norms + 128 * 5 + 5)
        #expect(model.parameterCount == 264_064 + 129 * 5)
        let multivariate = SeriesFCN(inputChannels: 3, classes: 2, factory: ConvolutionFactory(kind: .standard, seed: 1))
        #expect(try multivariate(input([1, 3, 12])).shape == [1, 2])
    }

    @Test func resnetShapesAndParameterCount() throws {
        let model = SeriesResNet(inputChannels: 1, classes: 3, factory: ConvolutionFactory(kind: .standard, seed: 2))
        let x = input([2, 1, 20])
        #expect(try model(x).shape == [2, 3])
        // Paper: blocks of 64, 128, 128 filters, each three convolutions (8, 5, 3 taps here 7, 5, 3)
        // with batch norm, the shortcut a 1-tap projection with batch norm when the width changes
        // and batch norm alone when it does not.
        func block(_ from: Int, _ to: Int) -> Int {
            from * to * 7 + to * to * 5 + to * to * 3 + 3 * 2 * to + (from != to ? from * to : 0) + 2 * to
        }
        #expect(model.parameterCount == block(1, 64) + block(64, 128) + block(128, 128) + 128 * 3 + 3)
        #expect(model.parameterCount == 478_208 + 129 * 3)
        let names = model.namedParameters().map(\.name)
        #expect(names.contains("blocks.0.shortcut.0.weight") && names.contains("blocks.2.shortcut.0.weight") && names.contains("blocks.1.conv3.weight"))
    }

    @Test func densitiesApplyToTheOddKernels() throws {
        let weighted = SeriesFCN(inputChannels: 1, classes: 2,
                                 factory: ConvolutionFactory(kind: .weighted(den: [0.25, 0.15, 0.55], trainable: true), seed: 3))
        #expect(weighted.namedParameters().filter { $0.name.hasSuffix("density") }.map(\.name) == ["blocks.0.density"])
        let standard = SeriesFCN(inputChannels: 1, classes: 2, factory: ConvolutionFactory(kind: .standard, seed: 3))
        let a = Dictionary(uniqueKeysWithValues: standard.namedParameters().map { ($0.name, $0.parameter.value) })
        for (name, p) in weighted.namedParameters() where !name.hasSuffix("density") { #expect(a[name] == p.value, "\(name)") }
    }

    @Test func volumeDnCNNShapesAndZeroLastLayer() throws {
        let model = DnCNN(channels: 1, depth: 3, width: 4, kernelSize: 3, spatialRank: 3, zeroLastLayer: true,
                          factory: ConvolutionFactory(kind: .weighted(den: [0.5], trainable: false), seed: 4))
        let x = input([2, 1, 5, 6, 4])
        let y = try model(x)
        #expect(y.shape == [2, 1, 5, 6, 4])
        #expect(y.value == x.value, "a zero last layer predicts no noise: the network starts as the identity")
        // 1→4 with bias (27 + 1 each), 4→4 without bias + batch norm, 4→1 without bias.
        #expect(model.parameterCount == (4 * 27 + 4) + (16 * 27 + 8) + 4 * 27)
        let weight = model.namedParameters().first { $0.name == "dncnn.0.weight" }!.parameter
        #expect(weight.shape == [4, 1, 3, 3, 3])
    }

    @Test func fcnGradientsMatchFiniteDifferences() throws {
        let fcn = SeriesFCN(inputChannels: 2, classes: 3, widths: [3, 4, 2], kernelSizes: [5, 3, 1],
                            factory: ConvolutionFactory(kind: .weighted(den: [0.7, 0.4], trainable: true), seed: 5, method: .direct))
        try checkGradients(input: randomTensor([3, 2, 9], seed: 6), parameters: fcn.namedParameters().map(\.parameter)) { try fcn($0) }
    }

    @Test func resnetGradientsMatchFiniteDifferences() throws {
        let resnet = SeriesResNet(inputChannels: 1, classes: 2, widths: [2, 2], kernelSizes: [3, 3],
                                  factory: ConvolutionFactory(kind: .standard, seed: 7, method: .direct))
        try checkGradients(input: randomTensor([3, 1, 7], seed: 8), parameters: resnet.namedParameters().map(\.parameter)) { try resnet($0) }
    }

    @Test func volumeDnCNNGradientsMatchFiniteDifferences() throws {
        let dncnn = DnCNN(channels: 1, depth: 3, width: 2, kernelSize: 3, spatialRank: 3,
                          factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: true), seed: 9, method: .direct))
        // Many ReLU kinks inside a 3-D network: the smaller step crosses one less often.
        try checkGradients(input: randomTensor([2, 1, 3, 4, 3], seed: 10), parameters: dncnn.namedParameters().map(\.parameter),
                           step: 1e-3) { try dncnn($0) }
    }
}
