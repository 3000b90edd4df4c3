#if canImport(Glibc)
import Glibc
#endif
import Testing
import NeuralNetwork
import TestSupport

/// Losses against finite differences and hand-computed values.
@Suite struct LossTests {
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
}
