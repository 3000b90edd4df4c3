/// NAFNet's simplified channel attention: `x ⊙ conv₁ₓ₁(avgpool(x))`, one learnt scale per
/// sample and channel, with no nonlinearity (Chen et al. 2022).
///
/// Children are named as PyTorch's `nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1))`,
/// so the projection's parameters are `1.weight` and `1.bias` (`sca.1.weight` inside a block).
public final class SimplifiedChannelAttention: Module {
    /// Global average pooling, `[B, C, …]` → `[B, C, 1, …]`.
    public let pool = GlobalAveragePooling()
    /// The `C → C` projection with kernel 1 on every spatial axis.
    public let projection: Convolution
    /// No effect.
    public var isTraining = true

    /// Attention with a given projection (ordinary or weighted, built by the caller).
    /// - Precondition: the projection maps `C` channels to `C` channels.
    public init(projection: Convolution) {
        precondition(projection.weight.shape[0] == projection.weight.shape[1] * projection.options.groups,
                     "channel attention needs a C → C projection")
        self.projection = projection
    }

    /// Attention on `channels` channels over `spatialRank` axes with a Kaiming-initialised 1×1 projection.
    public convenience init(channels: Int, spatialRank: Int = 2, seed: UInt64) {
        self.init(projection: Convolution(inChannels: channels, outChannels: channels,
                                          kernelSize: [Int](repeating: 1, count: spatialRank), seed: seed))
    }

    /// Children `0` (pool) and `1` (projection).
    public var children: [(name: String, module: any Module)] { [("0", pool), ("1", projection)] }

    /// Scales every channel of every sample by its attention weight.
    /// - Throws: ``NetworkError`` or `ConvolutionError` when `x` does not have `C` channels.
    public func forward(_ x: Variable) throws -> Variable {
        try scaleChannels(x, by: try projection(try pool(x)))
    }
}
