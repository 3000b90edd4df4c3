/// Normalises `groups` of `size` values with stride `step` inside blocks: the shared kernel of
/// batch norm (per channel over batch and space) and layer norm (per position over channels).
struct NormalizationLayout {
    /// `index(g, i)` is the element offset of the `i`-th value of group `g`.
    let groups: Int, size: Int
    let index: (Int, Int) -> Int
}

/// Batch normalisation over `[B, C, spatial…]` (any rank), as `torch.nn.BatchNorm{1,2,3}d`:
/// batch statistics in training (running averages updated with `momentum`, unbiased variance),
/// running statistics in evaluation.
public final class BatchNorm: Module {
    /// Scale `γ`, `[C]`.
    public let weight: Parameter
    /// Shift `β`, `[C]`.
    public let bias: Parameter
    /// Running mean, `[C]`.
    public let runningMean: Buffer
    /// Running (unbiased) variance, `[C]`.
    public let runningVariance: Buffer
    /// Batches seen in training (PyTorch's `num_batches_tracked`).
    public let batchesTracked: Buffer
    /// Added to the variance.
    public let epsilon: Float
    /// Weight of the new batch in the running averages.
    public let momentum: Float
    /// Batch statistics (training) or running statistics (evaluation).
    public var isTraining = true

    /// Batch norm for `channels` channels with `γ = 1`, `β = 0`.
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        weight = Parameter(name: "weight", value: Tensor(shape: [channels], repeating: 1), group: .noDecay)
        bias = Parameter(name: "bias", value: Tensor(shape: [channels]), group: .noDecay)
        runningMean = Buffer(name: "running_mean", values: [Float](repeating: 0, count: channels))
        runningVariance = Buffer(name: "running_var", values: [Float](repeating: 1, count: channels))
        batchesTracked = Buffer(name: "num_batches_tracked", values: [0])
        self.epsilon = epsilon
        self.momentum = momentum
    }

    /// Own parameters: `weight`, `bias`.
    public var ownParameters: [Parameter] { [weight, bias] }
    /// Own buffers: running statistics.
    public var ownBuffers: [Buffer] { [runningMean, runningVariance, batchesTracked] }

    /// Normalises each channel.
    public func forward(_ x: Variable) throws -> Variable {
        let channels = weight.value.count
        guard x.shape.count >= 2, x.shape[1] == channels else {
            throw NetworkError.shapeMismatch("batch norm over \(channels) channels got \(x.shape)")
        }
        let batch = x.shape[0], plane = x.value.count / max(1, batch * channels)
        let layout = NormalizationLayout(groups: channels, size: batch * plane) { c, i in
            ((i / plane) * channels + c) * plane + i % plane
        }
        if isTraining {
            let (y, statistics) = normalize(x, layout: layout, gamma: weight, beta: bias, epsilon: epsilon, statistics: nil)
            let n = Float(layout.size)
            for c in 0..<channels {
                runningMean.values[c] = (1 - momentum) * runningMean.values[c] + momentum * statistics.mean[c]
                let unbiased = statistics.variance[c] * n / max(1, n - 1)
                runningVariance.values[c] = (1 - momentum) * runningVariance.values[c] + momentum * unbiased
            }
            batchesTracked.values[0] += 1
            return y
        }
        return normalize(x, layout: layout, gamma: weight, beta: bias, epsilon: epsilon,
                         statistics: (runningMean.values, runningVariance.values)).output
    }
}

/// Layer normalisation over the channels at every position of `[B, C, spatial…]`, with a
/// per-channel scale and shift (NAFNet's `LayerNorm2d`).
public final class ChannelLayerNorm: Module {
    /// Scale `γ`, `[C]`.
    public let weight: Parameter
    /// Shift `β`, `[C]`.
    public let bias: Parameter
    /// Added to the variance.
    public let epsilon: Float
    /// No effect (same behaviour in training and evaluation).
    public var isTraining = true

    /// Layer norm for `channels` channels with `γ = 1`, `β = 0`.
    public init(channels: Int, epsilon: Float = 1e-6) {
        weight = Parameter(name: "weight", value: Tensor(shape: [channels], repeating: 1), group: .noDecay)
        bias = Parameter(name: "bias", value: Tensor(shape: [channels]), group: .noDecay)
        self.epsilon = epsilon
    }

    /// Own parameters: `weight`, `bias`.
    public var ownParameters: [Parameter] { [weight, bias] }

    /// Normalises over channels at each position.
    public func forward(_ x: Variable) throws -> Variable {
        let channels = weight.value.count
        guard x.shape.count >= 2, x.shape[1] == channels else {
            throw NetworkError.shapeMismatch("layer norm over \(channels) channels got \(x.shape)")
        }
        let plane = x.value.count / max(1, x.shape[0] * channels)
        let layout = NormalizationLayout(groups: x.shape[0] * plane, size: channels) { g, c in
            ((g / plane) * channels + c) * plane + g % plane
        }
        return normalize(x, layout: layout, gamma: weight, beta: bias, epsilon: epsilon, statistics: nil,
                         channelOf: { _, c in c }).output
    }
}

/// `y = γ·(x − μ)/√(σ² + ε) + β` over the groups of `layout`, with statistics computed from
/// the group (and differentiated through) or given (evaluation, treated as constants).
/// `channelOf(g, i)` picks the `γ`/`β` entry of value `i` of group `g` (the group itself by default).
func normalize(
    _ x: Variable, layout: NormalizationLayout, gamma: Parameter, beta: Parameter, epsilon: Float,
    statistics given: (mean: [Float], variance: [Float])?, channelOf: @escaping (Int, Int) -> Int = { g, _ in g }
) -> (output: Variable, statistics: (mean: [Float], variance: [Float])) {
    let input = x.value.scalars, g = gamma.value.scalars, b = beta.value.scalars
    var mean = [Float](repeating: 0, count: layout.groups), variance = mean
    var output = input, normalized = input
    var inverse = [Float](repeating: 0, count: layout.groups)
    for group in 0..<layout.groups {
        if let given {
            mean[group] = given.mean[group]
            variance[group] = given.variance[group]
        } else {
            var sum: Double = 0, squares: Double = 0
            for i in 0..<layout.size { let v = Double(input[layout.index(group, i)]); sum += v; squares += v * v }
            let m = sum / Double(layout.size)
            mean[group] = Float(m)
            variance[group] = Float(max(0, squares / Double(layout.size) - m * m))
        }
        inverse[group] = 1 / (variance[group] + epsilon).squareRoot()
        for i in 0..<layout.size {
            let k = layout.index(group, i), c = channelOf(group, i)
            normalized[k] = (input[k] - mean[group]) * inverse[group]
            output[k] = g[c] * normalized[k] + b[c]
        }
    }
    let usesBatchStatistics = given == nil
    let y = result(Tensor(shape: x.shape, scalars: output), [x, gamma, beta]) { dy in
        var dGamma = [Float](repeating: 0, count: g.count), dBeta = dGamma
        var dx = [Float](repeating: 0, count: input.count)
        for group in 0..<layout.groups {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for i in 0..<layout.size {
                let k = layout.index(group, i), c = channelOf(group, i)
                let scaled = dy[k] * g[c]
                sumDy += scaled
                sumDyXhat += scaled * normalized[k]
                dGamma[c] += dy[k] * normalized[k]
                dBeta[c] += dy[k]
            }
            let n = Float(layout.size)
            for i in 0..<layout.size {
                let k = layout.index(group, i), scaled = dy[k] * g[channelOf(group, i)]
                dx[k] = usesBatchStatistics
                    ? inverse[group] * (scaled - sumDy / n - normalized[k] * sumDyXhat / n)
                    : inverse[group] * scaled
            }
        }
        x.accumulate(dx)
        gamma.accumulate(dGamma)
        beta.accumulate(dBeta)
    }
    return (y, (mean, variance))
}
