import Testing
import Models
import NeuralNetwork

/// The four models: shapes, PyTorch-style names, identical initial weights for the standard and
/// weighted variants, and a few optimisation steps that lower the loss.
@Suite struct ModelTests {
    func input(_ shape: [Int], seed: UInt64 = 1) -> Variable {
        Variable(Initialization.normal(shape: shape, standardDeviation: 1, seed: seed))
    }

    @Test func vggShapesAndNames() throws {
        let model = VGG(VGG.small, inputChannels: 1, inputSize: 28, classes: 10, kernelSize: 5,
                        factory: ConvolutionFactory(kind: .standard, seed: 1))
        #expect(try model(input([2, 1, 28, 28])).shape == [2, 10])
        let names = model.namedParameters().map(\.name)
        #expect(names.prefix(4) == ["features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias"])
        #expect(names.last == "classifier.bias")
        #expect(model.namedBuffers().map(\.name).prefix(2) == ["features.1.running_mean", "features.1.running_var"])
        let cifar = VGG(VGG.vgg11, inputChannels: 3, inputSize: 32, classes: 100, factory: ConvolutionFactory(kind: .standard, seed: 1))
        #expect(cifar.classifier.weight.shape == [100, 512])
    }

    @Test func weightedAndStandardStartFromTheSameWeights() throws {
        let standard = VGG(VGG.small, inputChannels: 1, inputSize: 28, classes: 10, kernelSize: 7,
                           factory: ConvolutionFactory(kind: .standard, seed: 9))
        let weighted = VGG(VGG.small, inputChannels: 1, inputSize: 28, classes: 10, kernelSize: 7,
                           factory: ConvolutionFactory(kind: .weighted(den: [0.25, 0.15, 0.55], trainable: true), seed: 9))
        let a = Dictionary(uniqueKeysWithValues: standard.namedParameters().map { ($0.name, $0.parameter.value) })
        for (name, p) in weighted.namedParameters() where !name.hasSuffix("density") {
            #expect(a[name] == p.value, "\(name)")
        }
        #expect(weighted.namedParameters().filter { $0.name.hasSuffix("density") }.count == 3)
        #expect(try standard(input([1, 1, 28, 28])).value != (try weighted(input([1, 1, 28, 28]))).value)
    }

    @Test func resnetShapes() throws {
        let model = ResNet.resnet20(inputChannels: 3, classes: 10, factory: ConvolutionFactory(kind: .standard, seed: 2))
        #expect(try model(input([2, 3, 16, 16])).shape == [2, 10])
        #expect(model.namedParameters().contains { $0.name == "layers.1.0.downsample.0.weight" })
        let r18 = ResNet.resnet18(inputChannels: 3, classes: 100, factory: ConvolutionFactory(kind: .standard, seed: 2))
        #expect(r18.parameterCount > 11_000_000 && r18.parameterCount < 11_300_000, "ResNet-18 for CIFAR-100 has ≈ 11.2 M parameters")
    }

    @Test func denoisersKeepTheImageShape() throws {
        let dncnn = DnCNN(channels: 1, depth: 5, width: 8, factory: ConvolutionFactory(kind: .weighted(den: [0.5], trainable: false), seed: 3))
        #expect(try dncnn(input([2, 1, 12, 12])).shape == [2, 1, 12, 12])
        let full = DnCNN(channels: 1, factory: ConvolutionFactory(kind: .standard, seed: 3))
        // 1→64 with bias (576 + 64), 15 × 64→64 without bias (36 864 each) + BN (128 each), 64→1 (576).
        #expect(full.parameterCount == 640 + 15 * (36_864 + 128) + 576)
        let identity = DnCNN(channels: 1, depth: 4, width: 8, zeroLastLayer: true, factory: ConvolutionFactory(kind: .standard, seed: 3))
        let x = input([1, 1, 9, 9])
        #expect(try identity(x).value == x.value, "a zero last layer predicts no noise: the network starts as the identity")
        let naf = NAFNet(channels: 3, width: 8, factory: ConvolutionFactory(kind: .standard, seed: 4))
        #expect(try naf(input([1, 3, 8, 8])).shape == [1, 3, 8, 8])
        #expect(throws: NetworkError.self) { try naf(input([1, 3, 6, 6])) }
        // β = γ = 0 at initialisation: every block is the identity, the output the input plus the ending conv.
        #expect(naf.namedParameters().contains { $0.name == "encoders.0.0.beta" })
    }

    @Test func trainingStepsLowerTheLoss() throws {
        let model = VGG([.conv(8), .pool, .conv(8), .pool], inputChannels: 1, inputSize: 8, classes: 2, kernelSize: 3,
                        factory: ConvolutionFactory(kind: .weighted(den: [0.7], trainable: true), seed: 5))
        let optimizer = Optimizer(model.namedParameters(), rule: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                  groups: [.weights: .init(learningRate: 1e-2), .noDecay: .init(learningRate: 1e-2),
                                           .densities: .init(learningRate: 1e-2)])
        // Class 1: bright left half; class 0: bright right half.
        let x = Tensor(shape: [8, 1, 8, 8], scalars: (0..<512).map { i in
            let (image, column) = (i / 64, i % 8)
            return (image % 2 == 1) == (column < 4) ? 1 : 0
        })
        let labels = (0..<8).map { $0 % 2 }
        var losses: [Float] = []
        for _ in 0..<15 {
            model.zeroGradients()
            let loss = try Loss.crossEntropy(try model(Variable(x)), labels: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.value.scalars[0])
        }
        #expect(losses.last! < 0.5 * losses.first!, "\(losses)")
        let density = model.namedParameters().first { $0.name == "features.0.density" }!.parameter
        #expect(density.value.scalars != [0.7], "the trainable density moved")
    }
}
