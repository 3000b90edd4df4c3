import WeightedConvolution

/// A module without parameters that applies a function (activations, flatten, gates).
public final class Function: Module {
    /// A name for descriptions.
    public let name: String
    private let body: (Variable) throws -> Variable
    /// No effect.
    public var isTraining = true

    /// A module applying `body`.
    public init(_ name: String, _ body: @escaping (Variable) throws -> Variable) {
        self.name = name
        self.body = body
    }

    /// Applies the function.
    public func forward(_ input: Variable) throws -> Variable { try body(input) }

    /// `max(x, 0)`.
    public static var relu: Function { Function("relu", NeuralNetwork.relu) }
    /// GELU (erf form).
    public static var gelu: Function { Function("gelu", NeuralNetwork.gelu) }
    /// `[B, …]` → `[B, ∏…]`.
    public static var flatten: Function {
        Function("flatten") { x in try reshape(x, to: [x.shape[0], x.value.count / max(1, x.shape[0])]) }
    }
    /// NAFNet's SimpleGate: splits the channels in two halves and multiplies them.
    public static var simpleGate: Function {
        Function("simple_gate") { x in
            guard x.shape.count >= 2, x.shape[1] % 2 == 0 else {
                throw NetworkError.shapeMismatch("SimpleGate needs an even channel count, got \(x.shape)")
            }
            let half = x.shape[1] / 2
            return try multiply(try channels(x, 0..<half), try channels(x, half..<(2 * half)))
        }
    }
}

/// Dropout: in training, zeroes each value with probability `p` and scales the rest by
/// `1/(1−p)`; the identity in evaluation. Masks come from a seeded generator.
public final class Dropout: Module {
    /// Probability of zeroing a value.
    public let probability: Float
    private var generator: SeededGenerator
    /// Dropout is active only in training.
    public var isTraining = true

    /// Dropout with probability `p` in `[0, 1)`.
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
    }

    /// Applies a fresh mask in training, nothing in evaluation.
    public func forward(_ x: Variable) throws -> Variable {
        guard isTraining, probability > 0 else { return x }
        let keep = 1 / (1 - probability)
        let mask = (0..<x.value.count).map { _ in generator.nextUnitFloat() < probability ? 0 : keep }
        let output = zip(x.value.scalars, mask).map { $0 * $1 }
        return result(Tensor(shape: x.shape, scalars: output), [x]) { g in
            x.accumulate((0..<g.count).map { g[$0] * mask[$0] })
        }
    }
}

/// Pixel shuffle (`[B, C·r², H, W]` → `[B, C, H·r, W·r]`) or its inverse, pixel unshuffle,
/// as `torch.nn.PixelShuffle` / `PixelUnshuffle`.
public final class PixelShuffle: Module {
    /// The upscale factor `r`.
    public let factor: Int
    /// `false` for shuffle (upsampling), `true` for unshuffle (downsampling).
    public let inverse: Bool
    /// No effect.
    public var isTraining = true

    /// A shuffle (`inverse: false`) or unshuffle (`inverse: true`) by `factor`.
    public init(factor: Int, inverse: Bool = false) {
        self.factor = factor
        self.inverse = inverse
    }

    /// Rearranges channels and space.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.shape.count == 4 else { throw NetworkError.shapeMismatch("pixel shuffle needs [B, C, H, W], got \(x.shape)") }
        let r = factor
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        // The shuffled layout [B, C, H·r, W·r] and the packed one [B, C·r², H, W].
        let (channelsOut, height, width): (Int, Int, Int)
        if inverse {
            guard h % r == 0, w % r == 0 else { throw NetworkError.shapeMismatch("pixel unshuffle by \(r) of \(x.shape)") }
            (channelsOut, height, width) = (c, h / r, w / r)
        } else {
            guard c % (r * r) == 0 else { throw NetworkError.shapeMismatch("pixel shuffle by \(r) of \(x.shape)") }
            (channelsOut, height, width) = (c / (r * r), h, w)
        }
        // packed[b, ch·r² + i·r + j, y, x] ↔ shuffled[b, ch, y·r + i, x·r + j]
        var map = [Int](repeating: 0, count: x.value.count)  // packed offset → shuffled offset
        var packed = 0
        for n in 0..<b { for ch in 0..<channelsOut { for i in 0..<r { for j in 0..<r {
            for y in 0..<height { for xx in 0..<width {
                map[packed] = ((n * channelsOut + ch) * height * r + y * r + i) * width * r + xx * r + j
                packed += 1
            } }
        } } } }
        let input = x.value.scalars
        var output = [Float](repeating: 0, count: input.count)
        if inverse { for p in map.indices { output[p] = input[map[p]] } } else { for p in map.indices { output[map[p]] = input[p] } }
        let shape = inverse ? [b, c * r * r, height, width] : [b, channelsOut, height * r, width * r]
        let isInverse = inverse
        return result(Tensor(shape: shape, scalars: output), [x]) { g in
            var dx = [Float](repeating: 0, count: g.count)
            if isInverse { for p in map.indices { dx[map[p]] = g[p] } } else { for p in map.indices { dx[p] = g[map[p]] } }
            x.accumulate(dx)
        }
    }
}
