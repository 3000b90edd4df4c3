/// The gradients of a loss with respect to everything a (weighted) convolution reads, given the
/// gradient with respect to its output: what ``PreparedConvolution/backward(input:gradOutput:computeInputGradient:)``
/// and ``WeightedConvolution/gradients(input:weight:gradOutput:)`` return.
///
/// Values are row-major with the shapes of the forward pass's operands.
public struct ConvolutionGradients: Sendable, Equatable {
    /// `∂L/∂x`, `[B, Cin, x…]`, or `nil` when not requested.
    public var input: [Float]?
    /// `∂L/∂W = ∂L/∂K ⊙ Φ`, `[Cout, Cin/groups, k…]`.
    public var weight: [Float]
    /// `∂L/∂b`, one value per output channel.
    public var bias: [Float]
    /// `∂L/∂θ`, one value per density parameter (empty for ``Density/uniform``).
    public var density: [Float]
}
