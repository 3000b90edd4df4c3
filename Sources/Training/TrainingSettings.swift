import NeuralNetwork

/// How a model is optimised: optimiser, learning rates (weights and densities apart),
/// schedule, epochs and seed. Stored in checkpoints and result files.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// `sgd`, `adam` or `adamw`.
    public var optimizer: String = "adamw"
    /// SGD momentum (Nesterov when `nesterov`).
    public var momentum: Float = 0.9
    /// Nesterov momentum for SGD.
    public var nesterov: Bool = true
    /// Learning rate of weights, biases and normalisation parameters.
    public var learningRate: Float = 1e-3
    /// Weight decay of convolution and linear weights.
    public var weightDecay: Float = 1e-4
    /// Learning rate of the density parameters (trainable densities only).
    public var densityLearningRate: Float = 1e-2
    /// Weight decay of the density parameters.
    public var densityWeightDecay: Float = 0
    /// `constant`, `step:<size>:<gamma>`, `cosine`, `restarts:<t0>:<mult>`, optionally prefixed by
    /// `warmup:<epochs>:`.
    public var schedule: String = "cosine"
    /// Schedule used for the density group (the reference uses warm restarts there).
    public var densitySchedule: String = "cosine"
    /// Epochs to train.
    public var epochs: Int = 3
    /// Seed of weights, data order, augmentation and noise.
    public var seed: UInt64 = 1

    /// Settings with the defaults above.
    public init() {}

    /// The optimiser for a model's named parameters.
    /// - Throws: ``TrainingError`` for an unknown optimiser name.
    public func makeOptimizer(_ parameters: [(name: String, parameter: Parameter)]) throws(TrainingError) -> Optimizer {
        let rule: Optimizer.Rule
        switch optimizer.lowercased() {
        case "sgd": rule = .sgd(momentum: momentum, nesterov: nesterov)
        case "adam": rule = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        case "adamw": rule = .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        default: throw TrainingError("unknown optimiser \(optimizer) (sgd, adam, adamw)")
        }
        return Optimizer(parameters, rule: rule, groups: [
            .weights: GroupSettings(learningRate: learningRate, weightDecay: weightDecay),
            .noDecay: GroupSettings(learningRate: learningRate, weightDecay: 0),
            .densities: GroupSettings(learningRate: densityLearningRate, weightDecay: densityWeightDecay),
        ])
    }

    /// Parses a schedule description (see ``schedule``) for a run of ``epochs``.
    /// - Throws: ``TrainingError`` for a malformed description.
    public func parseSchedule(_ text: String) throws(TrainingError) -> Schedule {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        func number(_ i: Int) throws(TrainingError) -> Double {
            guard i < parts.count, let value = Double(parts[i]) else { throw TrainingError("malformed schedule \(text)") }
            return value
        }
        switch parts.first {
        case "constant": return .constant
        case "cosine": return .cosine(epochs: epochs, minimum: 1e-3)
        case "step": return .step(size: Int(try number(1)), gamma: Float(try number(2)))
        case "restarts": return .warmRestarts(t0: Int(try number(1)), mult: Int(try number(2)), minimum: 1e-3)
        case "warmup":
            let warm = Int(try number(1))
            return .warmup(epochs: warm, then: try parseSchedule(parts.dropFirst(2).joined(separator: ":")))
        default: throw TrainingError("unknown schedule \(text) (constant, cosine, step:S:G, restarts:T0:M, warmup:E:…)")
        }
    }
}

/// An error in a training configuration or run.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    /// What went wrong.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
