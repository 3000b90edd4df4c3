/// A trainable (or frozen) tensor of a model, with a PyTorch-style name and an optimiser group.
public final class Parameter: Variable {
    /// Which optimiser settings apply: weights, densities, or values without weight decay.
    public enum Group: String, Sendable, CaseIterable, Codable {
        /// Convolution and linear weights.
        case weights
        /// Density parameters of weighted convolutions (their own learning rate).
        case densities
        /// Biases and normalisation scales/shifts (no weight decay by convention).
        case noDecay
    }

    /// The name relative to its module, e.g. `weight`; containers prefix it (`features.0.weight`).
    public let name: String
    /// The optimiser group.
    public let group: Group

    /// A parameter with an initial value.
    public init(name: String, value: Tensor, group: Group, trainable: Bool = true) {
        self.name = name
        self.group = group
        super.init(value, requiresGrad: trainable)
    }

    /// Replaces the value (optimiser step, loading a checkpoint).
    /// - Precondition: same element count.
    public func assign(_ scalars: [Float]) {
        precondition(scalars.count == value.count, "parameter \(name) has \(value.count) values, got \(scalars.count)")
        value.scalars = scalars
    }

    /// Replaces the accumulated gradient (data-parallel training: by its sum over the replicas).
    /// - Precondition: one value per element of the parameter.
    public func replaceGradient(_ scalars: [Float]) {
        precondition(scalars.count == value.count, "gradient of \(name) has \(value.count) values, got \(scalars.count)")
        grad = scalars
    }

    /// Calls `body` with mutable access to the values (in-place optimiser updates).
    public func updateInPlace(_ body: (inout [Float]) -> Void) { body(&value.scalars) }
}
