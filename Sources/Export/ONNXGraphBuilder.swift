import Foundation

/// Collects the nodes and initializers of an ONNX graph in topological order, with unique value
/// and node names derived from the module paths (`features.0`, `layers.1.0.conv1`).
struct ONNXGraphBuilder {
    /// The nodes, each after the nodes whose outputs it reads.
    private(set) var nodes: [Onnx_NodeProto] = []
    /// The weights, named as the PyTorch parameters they hold.
    private(set) var initializers: [Onnx_TensorProto] = []
    private var used: Set<String> = []

    /// Adds a node and returns the names of its outputs (`name`, or `name:0`, `name:1`, … for several).
    mutating func add(_ op: String, _ inputs: [String], name: String, outputs: Int = 1,
                      attributes: [Onnx_AttributeProto] = []) -> [String] {
        let base = unique(name)
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = base
        node.input = inputs
        node.output = outputs == 1 ? [base] : (0..<outputs).map { "\(base):\($0)" }
        node.attribute = attributes
        nodes.append(node)
        return node.output
    }

    /// Adds a node with one output and returns the output's name.
    mutating func add(_ op: String, _ inputs: [String], name: String, attributes: [Onnx_AttributeProto] = []) -> String {
        add(op, inputs, name: name, outputs: 1, attributes: attributes)[0]
    }

    /// Adds a float initializer (stored as little-endian raw bytes) and returns its name.
    mutating func initializer(_ name: String, shape: [Int], values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count, "initializer \(name): \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = unique(name)
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = Self.littleEndianBytes(values)
        initializers.append(tensor)
        return tensor.name
    }

    /// A name not used before: `name`, else `name_2`, `name_3`, …
    private mutating func unique(_ name: String) -> String {
        var candidate = name, n = 1
        while used.contains(candidate) {
            n += 1
            candidate = "\(name)_\(n)"
        }
        used.insert(candidate)
        return candidate
    }

    /// The IEEE 754 bit patterns of `values`, least significant byte first.
    static func littleEndianBytes(_ values: [Float]) -> Data {
        var data = Data(capacity: 4 * values.count)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        return data
    }
}

extension Onnx_AttributeProto {
    /// An integer attribute.
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.i) = (name, .int, Int64(value))
        return a
    }

    /// A list-of-integers attribute.
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.ints) = (name, .ints, values.map(Int64.init))
        return a
    }

    /// A float attribute.
    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.f) = (name, .float, value)
        return a
    }

    /// A text attribute (UTF-8).
    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.s) = (name, .string, Data(value.utf8))
        return a
    }
}
