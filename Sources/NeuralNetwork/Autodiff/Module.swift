/// Non-trainable state saved with a model (e.g. batch-norm running statistics).
public final class Buffer {
    /// The name relative to its module, e.g. `running_mean`.
    public let name: String
    /// The values.
    public var values: [Float]

    /// A named buffer.
    public init(name: String, values: [Float]) {
        self.name = name
        self.values = values
    }
}

/// A building block of a network: it owns parameters and buffers, may contain child modules,
/// and maps an input variable to an output variable. Modules are reference types because the
/// graph, the optimiser and checkpoints all refer to the same parameters.
public protocol Module: AnyObject {
    /// Applies the module.
    /// - Throws: `ConvolutionError` or ``NetworkError`` when the input's shape does not fit.
    func forward(_ input: Variable) throws -> Variable
    /// Parameters owned directly (not by children).
    var ownParameters: [Parameter] { get }
    /// Buffers owned directly.
    var ownBuffers: [Buffer] { get }
    /// Named child modules, in order.
    var children: [(name: String, module: any Module)] { get }
    /// Training (batch statistics, dropout) or evaluation behaviour.
    var isTraining: Bool { get set }
}

extension Module {
    /// No parameters by default.
    public var ownParameters: [Parameter] { [] }
    /// No buffers by default.
    public var ownBuffers: [Buffer] { [] }
    /// No children by default.
    public var children: [(name: String, module: any Module)] { [] }

    /// Applies the module.
    public func callAsFunction(_ input: Variable) throws -> Variable { try forward(input) }

    /// Every parameter with its full dotted name (`features.0.weight`), depth first.
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        ownParameters.map { (prefix + $0.name, $0) }
            + children.flatMap { $0.module.namedParameters(prefix: prefix + $0.name + ".") }
    }

    /// Every buffer with its full dotted name (`features.1.running_mean`).
    public func namedBuffers(prefix: String = "") -> [(name: String, buffer: Buffer)] {
        ownBuffers.map { (prefix + $0.name, $0) }
            + children.flatMap { $0.module.namedBuffers(prefix: prefix + $0.name + ".") }
    }

    /// All parameters, depth first.
    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// The number of trainable values.
    public var parameterCount: Int { parameters.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count } }

    /// Switches this module and its children to training or evaluation behaviour.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for child in children { child.module.setTraining(training) }
    }

    /// Forgets every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.zeroGrad() } }
}

/// Modules applied one after the other; children are named `0`, `1`, … as in PyTorch.
public final class Sequential: Module {
    /// The modules in order.
    public let layers: [any Module]
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A chain of modules.
    public init(_ layers: [any Module]) { self.layers = layers }

    /// Applies every layer in order.
    public func forward(_ input: Variable) throws -> Variable {
        try layers.reduce(input) { try $1.forward($0) }
    }

    /// Children named by position.
    public var children: [(name: String, module: any Module)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }
}

/// Errors from network inputs that do not fit a layer.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// An input or target whose shape the layer cannot take.
    case shapeMismatch(String)
    /// A value outside its domain (label out of range, negative probability…).
    case invalidArgument(String)

    /// A message saying what was expected and what came.
    public var description: String {
        switch self {
        case .shapeMismatch(let m): "shape mismatch: \(m)"
        case .invalidArgument(let m): "invalid argument: \(m)"
        }
    }
}
