import NeuralNetwork

/// NAFNet's block (Chen et al. 2022): layer norm, 1×1 expansion, depthwise convolution,
/// SimpleGate, simplified channel attention, 1×1 projection, and a learnt residual scale `β`;
/// then layer norm, 1×1 expansion, SimpleGate, 1×1 projection and a second scale `γ`.
/// No nonlinear activation anywhere.
public final class NAFBlock: Module {
    let norm1: ChannelLayerNorm, conv1: Convolution, conv2: Convolution, attention: Convolution, conv3: Convolution
    let norm2: ChannelLayerNorm, conv4: Convolution, conv5: Convolution
    let pool = GlobalAveragePooling()
    /// Residual scales, initialised to 0 as in the reference.
    let beta: Parameter, gamma: Parameter
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A block on `channels` channels with a depthwise kernel of `kernelSize`.
    public init(channels c: Int, kernelSize: Int, factory: ConvolutionFactory) {
        norm1 = ChannelLayerNorm(channels: c)
        conv1 = factory.make(c, 2 * c, size: 1)
        conv2 = factory.make(2 * c, 2 * c, size: kernelSize, groups: 2 * c)
        attention = factory.make(c, c, size: 1)
        conv3 = factory.make(c, c, size: 1)
        norm2 = ChannelLayerNorm(channels: c)
        conv4 = factory.make(c, 2 * c, size: 1)
        conv5 = factory.make(c, c, size: 1)
        beta = Parameter(name: "beta", value: Tensor(shape: [1, c, 1, 1]), group: .noDecay)
        gamma = Parameter(name: "gamma", value: Tensor(shape: [1, c, 1, 1]), group: .noDecay)
    }

    /// Own parameters: `beta`, `gamma`.
    public var ownParameters: [Parameter] { [beta, gamma] }
    /// Children named as in the reference (`conv1` … `conv5`, `sca.1`, `norm1`, `norm2`).
    public var children: [(name: String, module: any Module)] {
        [("norm1", norm1), ("conv1", conv1), ("conv2", conv2), ("sca", Sequential([pool, attention])), ("conv3", conv3),
         ("norm2", norm2), ("conv4", conv4), ("conv5", conv5)]
    }

    /// The block.
    public func forward(_ input: Variable) throws -> Variable {
        var x = try Function.simpleGate(try conv2(try conv1(try norm1(input))))
        x = try conv3(try scaleChannels(x, by: try attention(try pool(x))))
        let y = try add(input, try scaleChannels(x, by: beta))
        x = try conv5(try Function.simpleGate(try conv4(try norm2(y))))
        return try add(y, try scaleChannels(x, by: gamma))
    }
}

/// NAFNet: a U-shaped network of NAF blocks. Each encoder level halves the resolution with a
/// 2×2 stride-2 convolution and doubles the width; each decoder level upsamples with a 1×1
/// convolution and pixel shuffle and adds the skip connection; the output is the input plus
/// the predicted residual. Inputs must have sides divisible by `2^levels`.
public final class NAFNet: Module {
    let intro: Convolution, ending: Convolution
    let encoders: [Sequential], downs: [Convolution], middle: Sequential, ups: [Sequential], decoders: [Sequential]
    /// Training or evaluation behaviour.
    public var isTraining = true

    /// A NAFNet of base `width` with `encoderBlocks[i]` blocks per level, `middleBlocks` in the
    /// middle and `decoderBlocks[i]` per level (decoders listed from the deepest).
    public init(channels: Int, width: Int = 16, encoderBlocks: [Int] = [1, 1], middleBlocks: Int = 1,
                decoderBlocks: [Int] = [1, 1], kernelSize: Int = 3, factory: ConvolutionFactory) {
        precondition(encoderBlocks.count == decoderBlocks.count, "one decoder level per encoder level")
        intro = factory.make(channels, width, size: 3)
        var c = width
        var encoders: [Sequential] = [], downs: [Convolution] = []
        for count in encoderBlocks {
            encoders.append(Sequential((0..<count).map { _ in NAFBlock(channels: c, kernelSize: kernelSize, factory: factory) }))
            downs.append(factory.make(c, 2 * c, size: 2, stride: 2, padding: 0))
            c *= 2
        }
        middle = Sequential((0..<middleBlocks).map { _ in NAFBlock(channels: c, kernelSize: kernelSize, factory: factory) })
        var ups: [Sequential] = [], decoders: [Sequential] = []
        for count in decoderBlocks {
            ups.append(Sequential([factory.make(c, 2 * c, size: 1, bias: false), PixelShuffle(factor: 2)]))
            c /= 2
            decoders.append(Sequential((0..<count).map { _ in NAFBlock(channels: c, kernelSize: kernelSize, factory: factory) }))
        }
        ending = factory.make(width, channels, size: 3)
        (self.encoders, self.downs, self.ups, self.decoders) = (encoders, downs, ups, decoders)
    }

    /// Children named as in the reference (`intro`, `encoders.i`, `downs.i`, `middle_blks`, …).
    public var children: [(name: String, module: any Module)] {
        [("intro", intro), ("ending", ending)]
            + encoders.enumerated().map { ("encoders.\($0.offset)", $0.element) }
            + downs.enumerated().map { ("downs.\($0.offset)", $0.element) }
            + [("middle_blks", middle)]
            + ups.enumerated().map { ("ups.\($0.offset)", $0.element) }
            + decoders.enumerated().map { ("decoders.\($0.offset)", $0.element) }
    }

    /// The restored image `x + f(x)`.
    /// - Throws: `NetworkError/shapeMismatch(_:)` when the sides are not divisible by `2^levels`.
    public func forward(_ input: Variable) throws -> Variable {
        let factor = 1 << encoders.count
        guard input.shape.count == 4, input.shape[2] % factor == 0, input.shape[3] % factor == 0 else {
            throw NetworkError.shapeMismatch("NAFNet needs [B, C, H, W] with H and W divisible by \(factor), got \(input.shape)")
        }
        var x = try intro(input)
        var skips: [Variable] = []
        for (encoder, down) in zip(encoders, downs) {
            x = try encoder(x)
            skips.append(x)
            x = try down(x)
        }
        x = try middle(x)
        for (up, decoder) in zip(ups, decoders) {
            x = try decoder(try add(try up(x), skips.removeLast()))
        }
        return try add(input, try ending(x))
    }
}
