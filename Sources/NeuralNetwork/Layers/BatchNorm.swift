import WeightedConvolution

/// Batch normalisation over `[B, C, spatial…]` (any rank, or `[B, C]`), as
/// `torch.nn.BatchNorm{1,2,3}d`: `y = γ·(x − μ)/√(σ² + ε) + β` per channel, with batch
/// statistics in training (running averages updated with `momentum`, unbiased variance) and
/// running statistics in evaluation.
///
/// Every loop is a vectorised sweep over one contiguous `[b, c]` plane, channels split over
/// ``ComputeThreads/count`` threads: statistics in two passes (mean, then squared deviations, so
/// large means do not cancel), the output as `x·scale + shift`; the backward pass recomputes
/// `x − μ` instead of storing `x̂`.
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
    /// - Throws: ``NetworkError`` when the channel axis does not match, or in training when a
    ///   channel has a single value (no variance to estimate; PyTorch refuses too).
    public func forward(_ x: Variable) throws -> Variable {
        let channels = weight.value.count
        guard x.shape.count >= 2, x.shape[1] == channels else {
            throw NetworkError.shapeMismatch("batch norm over \(channels) channels got \(x.shape)")
        }
        let batch = x.shape[0], plane = x.shape.dropFirst(2).reduce(1, *), n = batch * plane
        guard !isTraining || n > 1 else {
            throw NetworkError.invalidArgument("batch norm in training needs more than one value per channel, got \(x.shape)")
        }
        let input = x.value.scalars
        let planes = PlaneLayout(batch: batch, channels: channels, plane: plane)
        var mean = runningMean.values, variance = runningVariance.values
        if isTraining {
            var squares = [Double](repeating: 0, count: channels)
            input.withUnsafeBufferPointer { v in
                mean.withUnsafeMutableBufferPointer { mean in
                    squares.withUnsafeMutableBufferPointer { squares in
                        ComputeThreads.split(channels) { part in
                            for c in part {
                                let m = Float(planes.total(c) { Kernels.sum(v.baseAddress! + $0, plane) } / Double(n))
                                mean[c] = m
                                squares[c] = planes.total(c) { Kernels.centredDot(v.baseAddress! + $0, m, v.baseAddress! + $0, m, plane) }
                            }
                        }
                    }
                }
            }
            for c in 0..<channels {
                variance[c] = Float(squares[c] / Double(n))
                runningMean.values[c] = (1 - momentum) * runningMean.values[c] + momentum * mean[c]
                runningVariance.values[c] = (1 - momentum) * runningVariance.values[c] + momentum * Float(squares[c] / Double(n - 1))
            }
            batchesTracked.values[0] += 1
        }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let gamma = weight.value.scalars, beta = bias.value.scalars
        let output = input.withUnsafeBufferPointer { v in
            [Float].filled(input.count) { y in
                ComputeThreads.split(channels) { part in
                    for c in part {
                        let scale = gamma[c] * inverse[c], shift = beta[c] - mean[c] * scale
                        planes.forEach(c) { start in for i in start..<(start + plane) { y[i] = v[i] * scale + shift } }
                    }
                }
            }
        }
        let batchStatistics = isTraining, weight = self.weight, bias = self.bias
        return inPlaceResult(Tensor(shape: x.shape, scalars: output), x, [weight, bias]) { g in
            var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
            let requiresGrad = x.requiresGrad
            input.withUnsafeBufferPointer { v in
                dGamma.withUnsafeMutableBufferPointer { dGamma in
                    dBeta.withUnsafeMutableBufferPointer { dBeta in
                        ComputeThreads.split(channels) { part in
                            for c in part {
                                let m = mean[c], inv = inverse[c]
                                let sumDy = Float(planes.total(c) { Kernels.sum(g.baseAddress! + $0, plane) })
                                let sumDyCentred = Float(planes.total(c) { Kernels.centredDot(g.baseAddress! + $0, 0, v.baseAddress! + $0, m, plane) })
                                dGamma[c] = sumDyCentred * inv
                                dBeta[c] = sumDy
                                guard requiresGrad else { continue }
                                // dx = γ·inv·(dy − mean(dy) − x̂·mean(dy·x̂)) with batch statistics,
                                // γ·inv·dy with running ones; written as dx = a·dy + k·x + d.
                                let a = gamma[c] * inv
                                let k = batchStatistics ? -a * inv * inv * sumDyCentred / Float(n) : 0
                                let d = batchStatistics ? -a * sumDy / Float(n) - k * m : 0
                                planes.forEach(c) { start in for i in start..<(start + plane) { g[i] = a * g[i] + k * v[i] + d } }
                            }
                        }
                    }
                }
            }
            weight.accumulate(dGamma)
            bias.accumulate(dBeta)
        }
    }
}

/// The `[b, c]` planes of a `[B, C, P]` tensor that belong to one channel.
struct PlaneLayout {
    let batch: Int, channels: Int, plane: Int

    /// Calls `body(offset)` with the offset of every plane of channel `c`.
    @inline(__always)
    func forEach(_ c: Int, _ body: (Int) -> Void) {
        for b in 0..<batch { body((b * channels + c) * plane) }
    }

    /// `Σ body(offset)` over the planes of channel `c`, accumulated in `Double`.
    @inline(__always)
    func total(_ c: Int, _ body: (Int) -> Float) -> Double {
        var sum: Double = 0
        forEach(c) { sum += Double(body($0)) }
        return sum
    }
}
