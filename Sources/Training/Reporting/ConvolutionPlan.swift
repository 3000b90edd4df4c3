import NeuralNetwork
import WeightedConvolution

/// The algorithms a model's convolutions ran with, layer by layer and input shape by input shape
/// (what `.auto` or `.measure` chose), and where `.auto`'s cost rates came from: recorded in
/// every run's `result.json`, so that a speed figure can be traced to the plan behind it.
public struct ConvolutionPlan: Codable, Sendable, Equatable {
    /// One convolution layer at one input shape.
    public struct Entry: Codable, Sendable, Equatable {
        /// The layer's dotted name, e.g. `features.0`.
        public var layer: String
        /// `[B, in, x…]`.
        public var inputShape: [Int]
        /// `[out, in/groups, k…]`.
        public var kernelShape: [Int]
        /// The algorithm that ran.
        public var method: ConvolutionMethod
    }

    /// Where `.auto`'s rates came from (`calibrated (cached in …)`, `shipped`, …); `nil` when the
    /// model was built with another method.
    public var rates: String?
    /// Every layer at every input shape it saw, in the model's order (shapes sorted).
    public var layers: [Entry]

    /// The plan of `model`'s convolutions so far; `requested` is the method they were built with.
    public init(of model: any Module, requested: ConvolutionMethod) {
        layers = model.namedModules().flatMap { name, module -> [Entry] in
            guard let layer = module as? Convolution else { return [] }
            return layer.methodsByInputShape.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
                Entry(layer: name, inputShape: $0.key, kernelShape: layer.weight.shape, method: $0.value)
            }
        }
        rates = requested == .auto ? ConvolutionPlanner.shared.ratesOrigin : nil
    }

    /// `direct 9, winograd 4` — layer-shapes per algorithm, most used first.
    public var summary: String {
        let counts = Dictionary(grouping: layers, by: \.method).mapValues(\.count)
        return counts.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
            .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }
}
