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

    /// Every module with its full dotted name (`features.0`; this module itself as `prefix`
    /// without its final dot, `""` by default), depth first.
    public func namedModules(prefix: String = "") -> [(name: String, module: any Module)] {
        [(String(prefix.dropLast()), self)] + children.flatMap { $0.module.namedModules(prefix: prefix + $0.name + ".") }
    }

    /// All parameters, depth first.
    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// The number of trainable values (frozen parameters excluded).
    public var parameterCount: Int { parameters.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count } }

    /// Freezes (or unfreezes) every parameter whose full name satisfies `predicate`; an
    /// optimiser created afterwards skips frozen parameters.
    ///
    /// ```swift
    /// model.setTrainable(false) { name, _ in name.hasSuffix(".density") }   // fixed densities
    /// ```
    public func setTrainable(_ trainable: Bool, where predicate: (String, Parameter) -> Bool = { _, _ in true }) {
        for (name, p) in namedParameters() where predicate(name, p) { p.requiresGrad = trainable }
    }

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

    /// Applies every layer in order; a ``BatchNorm`` followed by ``Function/relu`` runs as one
    /// fused op (``BatchNorm/forward(_:rectified:)``, same values and gradients).
    public func forward(_ input: Variable) throws -> Variable {
        var x = input, i = 0
        while i < layers.count {
            if let norm = layers[i] as? BatchNorm, i + 1 < layers.count, (layers[i + 1] as? Function)?.isReLU == true {
                x = try norm.forward(x, rectified: true)
                i += 2
            } else {
                x = try layers[i].forward(x)
                i += 1
            }
        }
        return x
    }

    /// Children named by position.
    public var children: [(name: String, module: any Module)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }
}
