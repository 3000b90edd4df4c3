import GridCore


/// A module without parameters that applies a function (activations, flatten, gates).
public final class Function: Module {
    /// A name for descriptions.
    public let name: String
    private let body: (Variable) throws -> Variable
    /// No effect.
    public var isTraining = true
    /// Whether this is ``relu`` (which ``Sequential`` fuses into a batch norm before it).
    let isReLU: Bool

    /// A module applying `body`.
    public convenience init(_ name: String, _ body: @escaping (Variable) throws -> Variable) {
        self.init(name, isReLU: false, body)
    }

    private init(_ name: String, isReLU: Bool, _ body: @escaping (Variable) throws -> Variable) {
        self.name = name
        self.body = body
        self.isReLU = isReLU
    }

    /// Applies the function.
    public func forward(_ input: Variable) throws -> Variable { try body(input) }

    /// `max(x, 0)`.
    public static var relu: Function { Function("relu", isReLU: true, NeuralNetwork.relu) }
    /// GELU (erf form).
    public static var gelu: Function { Function("gelu", NeuralNetwork.gelu) }
    /// `[B, …]` → `[B, ∏…]` (no copy).
    public static var flatten: Function {
        Function("flatten") { x in try reshape(x, to: [x.shape[0], x.value.count / max(1, x.shape[0])]) }
    }
    /// NAFNet's SimpleGate: splits the channels in two halves and multiplies them (see ``simpleGate(_:)``).
    public static var simpleGate: Function { Function("simple_gate", NeuralNetwork.simpleGate) }
}

/// Dropout: in training, zeroes each value with probability `p` and scales the rest by
/// `1/(1−p)`; the identity in evaluation. Masks come from a seeded generator.
public final class Dropout: Module {
    /// Probability of zeroing a value.
    public let probability: Float
    private var generator: SeededGenerator
    /// Dropout is active only in training.
    public var isTraining = true

    /// Dropout with probability `p` in `[0, 1)`.
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
    }

    /// Applies a fresh mask in training, nothing in evaluation.
    public func forward(_ x: Variable) throws -> Variable {
        guard isTraining, probability > 0 else { return x }
        let keep = 1 / (1 - probability), p = probability
        let mask = [Float].filled(x.value.count) { m in
            for i in 0..<m.count { m[i] = generator.nextUnitFloat() < p ? 0 : keep }
        }
        let output = x.value.scalars.withUnsafeBufferPointer { v in
            mask.withUnsafeBufferPointer { m in [Float].filled(v.count) { y in for i in 0..<y.count { y[i] = v[i] * m[i] } } }
        }
        return inPlaceResult(Tensor(shape: x.shape, scalars: output), x, operation: "dropout") { g in
            mask.withUnsafeBufferPointer { m in for i in 0..<g.count { g[i] *= m[i] } }
        }
    }
}
