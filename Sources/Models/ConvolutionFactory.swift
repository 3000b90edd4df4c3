import NeuralNetwork
import WeightedConvolution

/// Standard or weighted convolution: the one switch of the comparison.
public enum ConvolutionKind: Sendable, Equatable {
    /// Ordinary convolution.
    case standard
    /// Weighted convolution with the density `den` (outermost first) on every axis of the
    /// network's main kernels, fixed or trainable.
    case weighted(den: [Float], trainable: Bool)
    /// Weighted convolution with a fixed symmetric profile per spatial axis (outermost first), e.g.
    /// a different `den` for rows and columns; applies to the main kernels of a network whose
    /// spatial rank is the number of profiles.
    case weightedPerAxis(profiles: [[Float]])

    /// `"standard"` or `"weighted"`.
    public var name: String {
        if case .standard = self { return "standard" }
        return "weighted"
    }
}

/// Builds the convolutions of a model with deterministic seeds, so the standard and weighted
/// variants of a model start from identical weights (the density is the only difference).
///
/// The density applies to kernels of the model's main size (`2·den.count + 1` on every axis);
/// a per-axis density to those kernels when the layer has one profile per spatial axis;
/// other kernels (1×1 projections, 2×2 down-sampling) stay ordinary.
public final class ConvolutionFactory {
    /// Standard or weighted.
    public let kind: ConvolutionKind
    /// The algorithm of every convolution made (`.winograd` runs the layers it does not support
    /// on the direct path).
    public let method: ConvolutionMethod
    private var nextSeed: UInt64

    /// A factory whose `n`-th convolution is initialised from a seed derived from `seed` and `n`.
    /// - Parameters:
    ///   - kind: standard or weighted convolution.
    ///   - seed: the seed the layers' seeds are derived from.
    ///   - method: the algorithm of every convolution (default: chosen per layer by the planner).
    public init(kind: ConvolutionKind, seed: UInt64, method: ConvolutionMethod = .auto) {
        self.kind = kind
        self.method = method
        self.nextSeed = seed &* 1_000_003
    }

    /// The next seed (for any initialised layer, so every layer's weights are reproducible).
    public func seed() -> UInt64 {
        nextSeed &+= 1
        return nextSeed
    }

    /// A convolution on `spatialRank` axes with a square kernel of `size` and the given options.
    public func make(
        _ inChannels: Int, _ outChannels: Int, size: Int, spatialRank: Int = 2, stride: Int = 1, padding: Int? = nil,
        groups: Int = 1, bias: Bool = true
    ) -> Convolution {
        let options = ConvolutionOptions(
            stride: [stride], padding: .symmetric([padding ?? size / 2]), groups: groups, method: method)
        var density: Density? = nil
        var trainable = false
        switch kind {
        case .weighted(let den, let isTrainable) where size == 2 * den.count + 1 && size > 1:
            density = .symmetric(den)
            trainable = isTrainable
        case .weightedPerAxis(let profiles)
            where size > 1 && profiles.count == spatialRank && profiles.allSatisfy({ size == 2 * $0.count + 1 }):
            density = .symmetric(perAxis: profiles)
        default: break
        }
        return Convolution(inChannels: inChannels, outChannels: outChannels,
                           kernelSize: [Int](repeating: size, count: spatialRank), options: options,
                           density: density, trainableDensity: trainable, bias: bias, seed: seed())
    }
}
