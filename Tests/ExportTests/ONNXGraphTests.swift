import Datasets
import Export
import Foundation
import Models
import NeuralNetwork
import SwiftProtobuf
import Testing
import TestSupport
import Training
import WeightedConvolution

/// The ONNX export of a tiny run of each model kind, parsed back with the generated types.
@Suite struct ONNXGraphTests {
    /// Model kinds with the operators their graphs must use (and no others); VGG-11 (9 million
    /// weights) only in optimised builds, where it takes a second.
    static let kinds: [(model: String, convolution: String, operators: Set<String>)] = allKinds.filter {
        !isDebugBuild || $0.model != "vgg11"
    }
    private static let allKinds: [(model: String, convolution: String, operators: Set<String>)] = [
        ("vgg-small", "weighted", ["Sub", "Div", "Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm", "Identity"]),
        ("vgg-small", "standard", ["Sub", "Div", "Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm", "Identity"]),
        ("vgg11", "weighted", ["Sub", "Div", "Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm", "Identity"]),
        ("resnet20", "weighted", ["Sub", "Div", "Conv", "BatchNormalization", "Relu", "Add", "GlobalAveragePool", "Flatten", "Gemm",
                                  "Identity"]),
        ("dncnn", "weighted", ["Conv", "Relu", "BatchNormalization", "Sub", "Identity"]),
        ("nafnet", "weighted", ["Conv", "ReduceMean", "Sub", "Mul", "Add", "Sqrt", "Reciprocal", "Split", "GlobalAveragePool",
                                "DepthToSpace", "Identity"]),
    ]

    @Test(arguments: 0..<kinds.count)
    func graphHoldsTheFoldedKernelsAndTheMetadata(index: Int) throws {
        let (name, convolution, operators) = Self.kinds[index]
        let tiny = try TinyRun(model: name, convolution: convolution, den: name == "vgg11" ? [0.5] : [0.3, 0.7],
                               trainableDensity: name == "dncnn")
        defer { tiny.remove() }
        let run = try TrainedRun(folder: tiny.folder).loadModel()
        let model = try Onnx_ModelProto(serializedBytes: try run.exportedBytes(.onnx))
        #expect(model.irVersion == 8)
        #expect(model.opsetImport.map(\.version) == [17] && model.opsetImport[0].domain.isEmpty)
        let graph = model.graph
        #expect(Set(graph.node.map(\.opType)) == operators)

        // Every node reads values defined before it; the output is produced.
        var defined = Set(graph.input.map(\.name) + graph.initializer.map(\.name))
        for node in graph.node {
            #expect(node.input.allSatisfy(defined.contains), "\(node.name) reads an undefined value")
            defined.formUnion(node.output)
        }
        let classification = name != "dncnn" && name != "nafnet"
        #expect(graph.input.map(\.name) == [classification ? "image" : "noisy"])
        #expect(graph.output.map(\.name) == [classification ? "logits" : "denoised"] && defined.contains(graph.output[0].name))
        let inputDims = graph.input[0].type.tensorType.shape.dim
        #expect(inputDims.map(\.dimParam) == (classification ? ["batch", "", "", ""] : ["batch", "", "height", "width"]))
        #expect(inputDims[1].dimValue == 1)

        // One Conv per convolution, whose kernel is W ⊙ Φ (Φ broadcast over the channel axes).
        let initializers = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let convolutions = tiny.model.namedModules().compactMap { entry in (entry.module as? Convolution).map { (entry.name, $0) } }
        #expect(graph.node.filter { $0.opType == "Conv" }.count == convolutions.count)
        var weighted = 0
        for (path, conv) in convolutions {
            let tensor = try #require(initializers[path + ".weight"])
            #expect(tensor.dims == conv.weight.shape.map(Int64.init))
            let w = conv.weight.value.scalars
            let phi = try conv.currentDensity.values(kernelSize: Array(conv.weight.shape.dropFirst(2)))
            let expected = w.indices.map { w[$0] * phi[$0 % phi.count] }
            let folded = floats(tensor) == expected  // one Bool, so a failure does not print both kernels
            #expect(folded, "\(path): the kernel is not W ⊙ Φ")
            if conv.density != nil { weighted += 1 }
        }
        #expect((weighted > 0) == (convolution == "weighted"))
        // Batch norms keep their running statistics.
        for (path, norm) in tiny.model.namedModules().compactMap({ e in (e.module as? BatchNorm).map { (e.name, $0) } }) {
            let kept = floats(try #require(initializers[path + ".running_var"])) == norm.runningVariance.values
            #expect(kept, "\(path): running variance")
        }

        let metadata = Dictionary(model.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(metadata["convolution"] == convolution && metadata["model"] == name)
        let settings = try JSONFiles.decoder().decode(TrainingSettings.self, from: Data(try #require(metadata["training_settings"]).utf8))
        #expect(settings == tiny.settings)
        if convolution == "weighted" {
            #expect(metadata["density"] == (name == "vgg11" ? "[0.5]" : "[0.3,0.7]"))
            let densities = try JSONFiles.decoder().decode([String: [Float]].self, from: Data(try #require(metadata["layer_densities"]).utf8))
            #expect(densities.count == weighted)
        }
        #expect((metadata["classes"] == "10") == classification)
    }

    @Test func safetensorsHoldTheFoldedWeightsUnderPyTorchNames() throws {
        let tiny = try TinyRun(model: "resnet20", den: [0.3, 0.7], trainableDensity: true)
        defer { tiny.remove() }
        let run = try TrainedRun(folder: tiny.folder).loadModel()
        let file = try SafeTensors.decode(try run.exportedBytes(.safetensors), path: "export")
        let names = tiny.model.namedParameters().map(\.name).filter { !$0.hasSuffix(".density") } + tiny.model.namedBuffers().map(\.name)
        #expect(Set(file.tensors.keys) == Set(names))
        #expect(file.tensors["stem.1.num_batches_tracked"]?.shape == [])
        let onnx = try Onnx_ModelProto(serializedBytes: try run.exportedBytes(.onnx))
        for tensor in onnx.graph.initializer where file.tensors[tensor.name] != nil {
            let same = file.tensors[tensor.name]!.values == floats(tensor)
            #expect(same, "\(tensor.name) differs between the exports")
        }
        #expect(file.metadata["convolution"] == "weighted" && file.metadata["trainable_density"] == "true")
    }

    /// The float values of an initializer stored as raw little-endian bytes.
    private func floats(_ tensor: Onnx_TensorProto) -> [Float] {
        let bytes = [UInt8](tensor.rawData)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}
