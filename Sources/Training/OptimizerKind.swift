/// The optimiser of a run's weights (and densities).
public enum OptimizerKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Stochastic gradient descent with (Nesterov) momentum.
    case sgd
    /// Adam.
    case adam
    /// Adam with decoupled weight decay.
    case adamw

    /// The name the command line and the files use.
    public var description: String { rawValue }

    /// Reads the name in any case (older versions accepted and stored `SGD`, `AdamW`, …).
    /// - Throws: `DecodingError` for another name.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let kind = OptimizerKind(rawValue: name.lowercased()) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown optimiser \(name) (sgd, adam, adamw)")
        }
        self = kind
    }
}
