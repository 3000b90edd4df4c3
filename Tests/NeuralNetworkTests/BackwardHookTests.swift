import Communication
import NeuralNetwork
import TestSupport
import Testing

/// ``Variable/backward(scale:whenFinal:)``: each parameter is reported once, when its gradient is
/// complete, output side first; an op that cannot reach its replicas makes the pass throw.
@Suite struct BackwardHookTests {
    /// Two replicas as seen from one of them: the statistics' sums (double precision) arrive, the
    /// gradient sums (single precision) fail, as when the other rank dies between forward and backward.
    final class LostReplica: Communicator {
        var rank: Int { 0 }
        var size: Int { 2 }
        func barrier() throws(CommunicatorError) {}
        func broadcast(_ values: inout [Float], root: Int) throws(CommunicatorError) {}
        func allreduce(_ values: inout [Float], _ reduction: Reduction) throws(CommunicatorError) {
            throw CommunicatorError("rank 1 is gone")
        }
        func allreduce(_ values: inout [Double], _ reduction: Reduction) throws(CommunicatorError) {
            for i in values.indices { values[i] *= 2 }
        }
        func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CommunicatorError) {}
        func receive(from source: Int?, tag: Int?, timeout: Double) throws(CommunicatorError) -> Message? { nil }
    }

    static func network() -> Sequential {
        Sequential([Convolution(inChannels: 2, outChannels: 3, kernelSize: [3, 3], options: .init(padding: .same), seed: 1),
                    BatchNorm(channels: 3), Function.relu,
                    Convolution(inChannels: 3, outChannels: 2, kernelSize: [3, 3], options: .init(padding: .same), seed: 2),
                    Function.flatten, Linear(inFeatures: 2 * 5 * 4, outFeatures: 3, seed: 3)])
    }

    @Test func everyParameterIsReportedOnceWithItsFinalGradientOutputSideFirst() throws {
        let model = Self.network()
        let input = Variable(randomTensor([2, 2, 5, 4], seed: 7))
        let loss = try Loss.crossEntropy(try model(input), labels: [0, 2])
        var reported: [(name: String, gradient: [Float])] = []
        let names = Dictionary(uniqueKeysWithValues: model.namedParameters().map { (ObjectIdentifier($0.parameter), $0.name) })
        try loss.backward(scale: 1) { parameter in reported.append((names[ObjectIdentifier(parameter)]!, parameter.grad!)) }
        #expect(Set(reported.map(\.name)).count == reported.count)
        #expect(Set(reported.map(\.name)) == Set(model.namedParameters().map(\.name)))
        for (name, parameter) in model.namedParameters() {
            #expect(reported.first { $0.name == name }?.gradient == parameter.grad!, "\(name) changed after it was reported")
        }
        #expect(reported.first?.name.hasPrefix("5.") == true && reported.last?.name.hasPrefix("0.") == true, "\(reported.map(\.name)) \(model.namedParameters().map(\.name))")
    }

    @Test func aBatchNormWhoseReplicasAreLostMakesTheBackwardPassThrow() throws {
        let model = Self.network()
        model.synchroniseBatchNorm(over: LostReplica())
        let loss = try Loss.crossEntropy(try model(Variable(randomTensor([2, 2, 5, 4], seed: 7), requiresGrad: true)), labels: [0, 2])
        let error = #expect(throws: CommunicatorError.self) { try loss.backward(scale: 0.5) { _ in } }
        #expect(error?.description == "rank 1 is gone")
    }
}
