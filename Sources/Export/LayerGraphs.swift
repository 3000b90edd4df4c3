import GridCore
import Models
import NeuralNetwork
import WeightedConvolution

/// Writes the layers of a trained model as ONNX nodes: every convolution as a `Conv` with the
/// folded kernel `W ⊙ Φ`, batch norms as `BatchNormalization` with the running statistics,
/// NAFNet's channel layer norm as its decomposition into reductions and element-wise operators.
/// Initializers take the PyTorch names of the parameters (`features.0.weight`).
struct LayerGraphs {
    /// The graph so far.
    var graph = ONNXGraphBuilder()
    /// Spatial axes of the model's input (2 for images).
    let spatialRank: Int

    /// The nodes of `module` (named `path`) applied to the value `input`; returns the output value.
    /// - Throws: ``ExportError`` for a layer that has no standard ONNX equivalent.
    mutating func write(_ module: any Module, path: String, input: String) throws -> String {
        switch module {
        case let sequence as Sequential:
            var x = input
            for (name, child) in sequence.children { x = try write(child, path: join(path, name), input: x) }
            return x
        case let block as BasicBlock: return try writeBasicBlock(block, path: path, input: input)
        case let block as NAFBlock: return try writeNAFBlock(block, path: path, input: input)
        case let conv as Convolution: return try convolution(conv, path: path, input: input)
        case let norm as BatchNorm: return batchNorm(norm, path: path, input: input)
        case let norm as ChannelLayerNorm: return layerNorm(norm, path: path, input: input)
        case let linear as Linear:
            let weight = graph.initializer(join(path, "weight"), shape: linear.weight.shape, values: linear.weight.value.scalars)
            let bias = linear.bias.map { graph.initializer(join(path, "bias"), shape: $0.shape, values: $0.value.scalars) }
            return graph.add("Gemm", [input, weight] + (bias.map { [$0] } ?? []), name: path, attributes: [.int("transB", 1)])
        case let pool as Pooling:
            let window = broadcast(pool.window), stride = broadcast(pool.stride)
            return graph.add(pool.kind == .max ? "MaxPool" : "AveragePool", [input], name: path,
                             attributes: [.ints("kernel_shape", window), .ints("strides", stride)])
        case let pool as AdaptiveAveragePooling where pool.outputSize.allSatisfy({ $0 == 1 }):
            return graph.add("GlobalAveragePool", [input], name: path)
        case let shuffle as PixelShuffle where !shuffle.inverse:
            // PyTorch's pixel shuffle is DepthToSpace in column-row-depth order.
            return graph.add("DepthToSpace", [input], name: path,
                             attributes: [.int("blocksize", shuffle.factor), .string("mode", "CRD")])
        case let function as Function:
            switch function.name {
            case "relu": return graph.add("Relu", [input], name: path)
            case "flatten": return graph.add("Flatten", [input], name: path, attributes: [.int("axis", 1)])
            case "simple_gate": return simpleGate(input, path: path)
            default: throw ExportError("\(path): the function \(function.name) has no ONNX export")
            }
        default:
            throw ExportError("\(path.isEmpty ? "the model" : path): a \(type(of: module)) layer has no ONNX export")
        }
    }

    /// A convolution as `Conv` with the kernel `W ⊙ Φ` folded exactly as the library folds it.
    mutating func convolution(_ conv: Convolution, path: String, input: String) throws -> String {
        let options = conv.options, shape = conv.weight.shape
        guard options.paddingMode == .zeros else {
            throw ExportError("\(path): \(options.paddingMode) padding has no ONNX Conv equivalent (zeros only)")
        }
        let kernel = try conv.foldedKernel()
        let rank = shape.count - 2
        func axes(_ values: [Int]) -> [Int] { values.count == 1 ? [Int](repeating: values[0], count: rank) : values }
        var attributes: [Onnx_AttributeProto] = [
            .ints("kernel_shape", Array(shape.dropFirst(2))), .ints("strides", axes(options.stride)),
            .ints("dilations", axes(options.dilation)), .int("group", options.groups),
        ]
        switch options.padding {
        case .explicit(let low, let high): attributes.append(.ints("pads", axes(low) + axes(high)))
        case .same: attributes.append(.string("auto_pad", "SAME_UPPER"))
        }
        let weight = graph.initializer(join(path, "weight"), shape: shape, values: kernel)
        let bias = conv.bias.map { graph.initializer(join(path, "bias"), shape: $0.shape, values: $0.value.scalars) }
        return graph.add("Conv", [input, weight] + (bias.map { [$0] } ?? []), name: path, attributes: attributes)
    }

    /// `BatchNormalization` in inference mode (running mean and variance, the layer's ε).
    mutating func batchNorm(_ norm: BatchNorm, path: String, input: String) -> String {
        let c = norm.weight.value.count
        let inputs = [("weight", norm.weight.value.scalars), ("bias", norm.bias.value.scalars),
                      ("running_mean", norm.runningMean.values), ("running_var", norm.runningVariance.values)]
            .map { graph.initializer(join(path, $0.0), shape: [c], values: $0.1) }
        return graph.add("BatchNormalization", [input] + inputs, name: path, attributes: [.float("epsilon", norm.epsilon)])
    }

    /// Layer norm over the channel axis, `γ·(x − μ)·1/√(σ² + ε) + β` with `μ`, `σ²` the mean and
    /// (biased) variance over the channels at each position: ReduceMean, Sub, Mul, ReduceMean,
    /// Add, Sqrt, Reciprocal, Mul, then the per-channel scale and shift.
    mutating func layerNorm(_ norm: ChannelLayerNorm, path: String, input: String) -> String {
        let channelShape = [norm.weight.value.count] + [Int](repeating: 1, count: spatialRank)
        let gamma = graph.initializer(join(path, "weight"), shape: channelShape, values: norm.weight.value.scalars)
        let beta = graph.initializer(join(path, "bias"), shape: channelShape, values: norm.bias.value.scalars)
        let epsilon = graph.initializer(join(path, "epsilon"), shape: [], values: [norm.epsilon])
        let overChannels: [Onnx_AttributeProto] = [.ints("axes", [1]), .int("keepdims", 1)]
        let mean = graph.add("ReduceMean", [input], name: join(path, "mean"), attributes: overChannels)
        let centred = graph.add("Sub", [input, mean], name: join(path, "centred"))
        let squares = graph.add("Mul", [centred, centred], name: join(path, "squares"))
        let variance = graph.add("ReduceMean", [squares], name: join(path, "variance"), attributes: overChannels)
        let deviation = graph.add("Sqrt", [graph.add("Add", [variance, epsilon], name: join(path, "shifted"))],
                                  name: join(path, "deviation"))
        let inverse = graph.add("Reciprocal", [deviation], name: join(path, "inverse"))
        let normalised = graph.add("Mul", [centred, inverse], name: join(path, "normalised"))
        return graph.add("Add", [graph.add("Mul", [normalised, gamma], name: join(path, "scaled")), beta], name: path)
    }

    /// NAFNet's SimpleGate: `Split` of the channels into halves, then `Mul`.
    mutating func simpleGate(_ input: String, path: String) -> String {
        let halves = graph.add("Split", [input], name: join(path, "halves"), outputs: 2, attributes: [.int("axis", 1)])
        return graph.add("Mul", halves, name: path)
    }

    /// One value per spatial axis (a single value applies to every axis).
    private func broadcast(_ values: [Int]) -> [Int] {
        values.count == 1 ? [Int](repeating: values[0], count: spatialRank) : values
    }
}

/// `path.name`, or `name` at the top.
func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

extension Convolution {
    /// The kernel `W ⊙ Φ`, folded exactly as the layer's forward pass folds it (`W` itself for an
    /// ordinary convolution).
    func foldedKernel() throws -> [Float] {
        try weight.value.scalars.withUnsafeBufferPointer {
            try WeightedConvolution(density: currentDensity, options: options).kernel(weight: $0, weightShape: weight.shape)
        }
    }
}
