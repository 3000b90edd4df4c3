import Models
import NeuralNetwork

/// The wiring of the package's models (what their `forward` computes between the layers) as ONNX
/// nodes; the layers themselves are written by ``LayerGraphs``.
extension LayerGraphs {
    /// The nodes of a whole model applied to `input`.
    /// - Throws: ``ExportError`` for a model kind or layer with no ONNX export.
    mutating func writeModel(_ model: any Module, input: String) throws -> String {
        switch model {
        case let vgg as VGG:
            let features = try write(vgg.features, path: "features", input: input)
            return try write(vgg.classifier, path: "classifier",
                             input: graph.add("Flatten", [features], name: "flatten", attributes: [.int("axis", 1)]))
        case let resnet as ResNet:
            var x = try write(try child(resnet, "stem"), path: "stem", input: input)
            x = try write(try child(resnet, "layers"), path: "layers", input: x)
            x = graph.add("Flatten", [graph.add("GlobalAveragePool", [x], name: "pool")], name: "flatten",
                          attributes: [.int("axis", 1)])
            return try write(try child(resnet, "fc"), path: "fc", input: x)
        case let dncnn as DnCNN:
            // Residual learning: the stack predicts the noise.
            return graph.add("Sub", [input, try write(dncnn.layers, path: "dncnn", input: input)], name: "denoised")
        case let nafnet as NAFNet:
            return try writeNAFNet(nafnet, input: input)
        default:
            return try write(model, path: "", input: input)
        }
    }

    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
    mutating func writeBasicBlock(_ block: BasicBlock, path: String, input: String) throws -> String {
        var y = try write(try child(block, "conv1"), path: join(path, "conv1"), input: input)
        y = graph.add("Relu", [try write(try child(block, "bn1"), path: join(path, "bn1"), input: y)], name: join(path, "relu1"))
        y = try write(try child(block, "conv2"), path: join(path, "conv2"), input: y)
        y = try write(try child(block, "bn2"), path: join(path, "bn2"), input: y)
        let shortcut = try block.children.contains { $0.name == "downsample" }
            ? write(try child(block, "downsample"), path: join(path, "downsample"), input: input) : input
        return graph.add("Relu", [graph.add("Add", [y, shortcut], name: join(path, "sum"))], name: path)
    }

    /// The NAF block: gated depthwise branch with channel attention and scale `β`, then gated
    /// feed-forward branch with scale `γ`, each added to its input.
    mutating func writeNAFBlock(_ block: NAFBlock, path: String, input: String) throws -> String {
        func layer(_ name: String, _ x: String) throws -> String { try write(try child(block, name), path: join(path, name), input: x) }
        var x = simpleGate(try layer("conv2", try layer("conv1", try layer("norm1", input))), path: join(path, "gate1"))
        x = graph.add("Mul", [x, try layer("sca", x)], name: join(path, "attended"))
        x = try layer("conv3", x)
        let scales = Dictionary(block.ownParameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard let beta = scales["beta"], let gamma = scales["gamma"] else { throw ExportError("\(path): NAF block without β and γ") }
        let betaName = graph.initializer(join(path, "beta"), shape: beta.shape, values: beta.value.scalars)
        let y = graph.add("Add", [input, graph.add("Mul", [x, betaName], name: join(path, "scaled1"))], name: join(path, "sum1"))
        x = try layer("conv5", simpleGate(try layer("conv4", try layer("norm2", y)), path: join(path, "gate2")))
        let gammaName = graph.initializer(join(path, "gamma"), shape: gamma.shape, values: gamma.value.scalars)
        return graph.add("Add", [y, graph.add("Mul", [x, gammaName], name: join(path, "scaled2"))], name: path)
    }

    /// NAFNet's U: intro, encoder levels with stride-2 downs, middle blocks, decoder levels with
    /// 1×1 convolution and pixel shuffle plus the skip connection, ending, plus the input.
    private mutating func writeNAFNet(_ nafnet: NAFNet, input: String) throws -> String {
        let levels = nafnet.children.filter { $0.name.hasPrefix("encoders.") }.count
        var x = try write(try child(nafnet, "intro"), path: "intro", input: input)
        var skips: [String] = []
        for level in 0..<levels {
            x = try write(try child(nafnet, "encoders.\(level)"), path: "encoders.\(level)", input: x)
            skips.append(x)
            x = try write(try child(nafnet, "downs.\(level)"), path: "downs.\(level)", input: x)
        }
        x = try write(try child(nafnet, "middle_blks"), path: "middle_blks", input: x)
        for level in 0..<levels {
            let up = try write(try child(nafnet, "ups.\(level)"), path: "ups.\(level)", input: x)
            x = graph.add("Add", [up, skips.removeLast()], name: "skip.\(level)")
            x = try write(try child(nafnet, "decoders.\(level)"), path: "decoders.\(level)", input: x)
        }
        return graph.add("Add", [input, try write(try child(nafnet, "ending"), path: "ending", input: x)], name: "restored")
    }

    /// The child called `name`.
    private func child(_ module: any Module, _ name: String) throws -> any Module {
        guard let found = module.children.first(where: { $0.name == name }) else {
            throw ExportError("\(type(of: module)) has no layer \(name): the exporter does not know this version of the model")
        }
        return found.module
    }
}
