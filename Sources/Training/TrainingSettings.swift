import Foundation
import NeuralNetwork

/// How a model is optimised: optimiser, learning rates (weights and densities apart),
/// schedule, epochs and seed. Stored in checkpoints and result files.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// The optimiser.
    public var optimizer = OptimizerKind.adamw
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
    /// Schedule of the weights' learning rate (written in the files as its text, e.g. `cosine`).
    public var schedule = LearningRateSchedule.cosine
    /// Schedule of the density group's learning rate (the reference uses warm restarts there).
    public var densitySchedule = LearningRateSchedule.cosine
    /// Epochs to train.
    public var epochs: Int = TaskDefaults.of(.classification).epochs
    /// Seed of weights, data order, augmentation and noise.
    public var seed: UInt64 = 1
    /// Training batches over which every batch norm's running statistics are recomputed with the
    /// epoch's final weights before it is scored (see ``PreciseBatchNorm``); `nil` (not written,
    /// so older files stay valid): the running statistics of training are used as they are.
    public var preciseBatchNorm: Int?

    /// Settings with the defaults above (those of classification).
    public init() {}

    /// Settings with the epochs and learning rate of `task` (``TaskDefaults``).
    public init(task: TaskKind) {
        let defaults = TaskDefaults.of(task)
        epochs = defaults.epochs
        learningRate = defaults.learningRate
    }

    /// Checks the values before a run starts.
    /// - Throws: ``TrainingError`` for epochs outside 1…100 000, a learning rate or weight decay
    ///   that is negative or not finite, a momentum outside [0, 1), or precise batch-norm batches
    ///   outside 1…100 000.
    public func validate() throws(TrainingError) {
        let range = ExperimentLimits.epochs
        guard range.contains(epochs) else {
            throw TrainingError("--epochs must be in \(range.lowerBound)…\(range.upperBound), got \(epochs)")
        }
        let batches = ExperimentLimits.preciseBatchNormBatches
        if let preciseBatchNorm, !batches.contains(preciseBatchNorm) {
            throw TrainingError("--precise-bn must be in 0…\(batches.upperBound) (0: off), got \(preciseBatchNorm)")
        }
        for (name, value) in [("--lr", learningRate), ("--weight-decay", weightDecay), ("--density-lr", densityLearningRate),
                              ("density weight decay", densityWeightDecay)] where !(value.isFinite && value >= 0) {
            throw TrainingError("\(name) must be finite and ≥ 0, got \(value)")
        }
        guard momentum >= 0, momentum < 1 else { throw TrainingError("momentum must be in [0, 1), got \(momentum)") }
    }

    /// Seeds written as comma-separated non-negative integers, e.g. `1,2,3`.
    /// - Throws: ``TrainingError`` for an empty list or an item that is not such an integer.
    public static func seeds(from text: String) throws(TrainingError) -> [UInt64] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, !values.contains(nil) else {
            throw TrainingError("seeds must be comma-separated non-negative integers, got \(text)")
        }
        return values.compactMap { $0 }
    }

    /// The optimiser for a model's named parameters.
    public func makeOptimizer(_ parameters: [(name: String, parameter: Parameter)]) -> Optimizer {
        let rule: Optimizer.Rule = switch optimizer {
        case .sgd: .sgd(momentum: momentum, nesterov: nesterov)
        case .adam: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        case .adamw: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        }
        return Optimizer(parameters, rule: rule, groups: [
            .weights: GroupSettings(learningRate: learningRate, weightDecay: weightDecay),
            .noDecay: GroupSettings(learningRate: learningRate, weightDecay: 0),
            .densities: GroupSettings(learningRate: densityLearningRate, weightDecay: densityWeightDecay),
        ])
    }
}

/// An error in a training configuration or run.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    /// What went wrong.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
