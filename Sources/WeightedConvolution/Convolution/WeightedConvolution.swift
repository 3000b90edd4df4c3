import GridCore

/// The weighted convolution `y = conv(x, W ⊙ Φ) + b`: an ordinary convolution whose kernel is
/// the weight multiplied element-wise by a density `Φ` over kernel offsets.
///
/// Nothing here is special-cased for weighting: the forward pass folds `Φ` into the kernel once
/// (O(|W|), see ``PreparedConvolution``) and runs an ordinary convolution; the backward pass follows by the chain rule,
/// `∂W = ∂K ⊙ Φ`, `∂Φ[q] = Σ_{o,i} ∂K[o,i,q]·W[o,i,q]`, `∂θ = ∂Φ/∂θ · ∂Φ`.
///
/// ```swift
/// let conv = WeightedConvolution(density: .symmetric([0.25, 0.15, 0.55]),
///                                options: .init(padding: .same))
/// let y = try conv(x, weight: w, bias: b)          // x: Grid<4> [B, C, H, W], w: [O, C, 7, 7]
/// ```
///
/// Every forward pass runs through ``PreparedConvolution``: calling a `WeightedConvolution` on
/// grids prepares one and runs it; code on raw buffers (a network layer) prepares one itself and
/// keeps it for the backward pass.
public struct WeightedConvolution: Sendable {
    /// The density `Φ` (``Density/uniform`` for an ordinary convolution).
    public var density: Density
    /// Stride, padding, dilation, groups, padding mode and method.
    public var options: ConvolutionOptions

    /// A weighted convolution with the given density and options.
    public init(density: Density = .uniform, options: ConvolutionOptions = .init()) {
        self.density = density
        self.options = options
    }

    /// The effective kernel `W ⊙ Φ` (`Φ` broadcast over the output and input channel axes).
    /// - Parameters:
    ///   - weight: `[Cout, Cin/groups, k…]`, row-major.
    ///   - weightShape: the shape of `weight`.
    /// - Returns: `W ⊙ Φ`, the shape of `weight`.
    /// - Throws: ``ConvolutionError`` when the density does not fit the kernel.
    public func kernel(weight: UnsafeBufferPointer<Float>, weightShape: [Int]) throws(ConvolutionError) -> [Float] {
        let phi = try density.values(kernelSize: Self.kernelSize(weightShape))
        guard weight.count == weightShape.reduce(1, *) else {
            throw .shapeMismatch("weight has \(weight.count) values, shape \(weightShape) needs \(weightShape.reduce(1, *))")
        }
        guard !density.isUniform else { return Array(weight) }
        return .filled(weight.count) { DensityFold.fold(weight: weight, phi: phi, into: $0) }
    }

    private static func kernelSize(_ weightShape: [Int]) -> [Int] { Array(weightShape.dropFirst(2)) }
}
