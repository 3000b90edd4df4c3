import Communication
import GridCore

/// Batch normalisation over `[B, C, spatial…]` (any rank, or `[B, C]`), as
/// `torch.nn.BatchNorm{1,2,3}d`: `y = γ·(x − μ)/√(σ² + ε) + β` per channel, with batch
/// statistics in training (running averages updated with `momentum`, unbiased variance) and
/// running statistics in evaluation.
///
/// Every loop is a vectorised sweep over one contiguous `[b, c]` plane, channels split over
/// `ComputeThreads.count` threads: statistics in two passes (mean, then squared deviations, so
/// large means do not cancel), the output as `x·scale + shift`; the backward pass recomputes
/// `x − μ` instead of storing `x̂`.
///
/// With ``replicas`` set (data-parallel training), the statistics are those of the global batch
/// split over the replicas (synchronised batch norm): per-channel sums are added over the ranks
/// in the forward pass (sum, then squared deviations from the global mean) and in the backward
/// pass (`Σ∂y`, `Σ∂y·(x − μ)`), so that K replicas with a batch of B/K each compute what one
/// process computes with batch B, to float-summation tolerance. The gradients of `γ` and `β`
/// stay this replica's share; the trainer's gradient sum completes them.
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
    /// Whether batches in training update the running statistics as a cumulative average, every
    /// batch since ``resetRunningStatistics()`` weighing the same (PyTorch's `momentum=None`),
    /// rather than as an exponential average with ``momentum``.
    public var averagesCumulatively = false
    /// The replicas whose batches are normalised together (`nil`: this batch alone). When the sum
    /// over the replicas fails in the backward pass, the gradients cannot be completed and
    /// ``Variable/backward(scale:whenFinal:)`` throws the `CommunicatorError`.
    public var replicas: (any Communicator)?

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

    /// Forgets the running statistics (mean 0, variance 1, no batch tracked), as PyTorch's
    /// `reset_running_stats`.
    public func resetRunningStatistics() {
        runningMean.values = [Float](repeating: 0, count: runningMean.values.count)
        runningVariance.values = [Float](repeating: 1, count: runningVariance.values.count)
        batchesTracked.values = [0]
    }

    /// Own parameters: `weight`, `bias`.
    public var ownParameters: [Parameter] { [weight, bias] }
    /// Own buffers: running statistics.
    public var ownBuffers: [Buffer] { [runningMean, runningVariance, batchesTracked] }

    /// Normalises each channel.
    /// - Throws: ``NetworkError`` when the channel axis does not match, or in training when a
    ///   channel has a single value (no variance to estimate; PyTorch refuses too).
    public func forward(_ x: Variable) throws -> Variable { try forward(x, rectified: false) }

    /// Normalises each channel and, when `rectified`, applies ReLU in the same sweep: the same
    /// values and gradients as `relu(forward(x))` with one pass less over the activations forward
    /// and one activation less kept for the backward pass, which masks the gradient by the output
    /// in one streaming sweep before the per-channel sums (masking inside the per-channel sweep
    /// was slower on small maps). ``Sequential`` fuses a batch norm followed by ``Function/relu``.
    /// - Parameters:
    ///   - x: `[B, C, spatial…]` or `[B, C]`.
    ///   - rectified: whether ReLU follows.
    /// - Returns: the normalised (and rectified) values, shaped as `x`.
    /// - Throws: ``NetworkError`` when the channel axis does not match, or in training when a
    ///   channel has a single value.
    public func forward(_ x: Variable, rectified: Bool) throws -> Variable {
        let channels = weight.value.count
        guard x.shape.count >= 2, x.shape[1] == channels else {
            throw NetworkError.shapeMismatch("batch norm over \(channels) channels got \(x.shape)")
        }
        let batch = x.shape[0], plane = x.shape.dropFirst(2).reduce(1, *)
        let input = x.value.scalars
        let planes = PlaneLayout(batch: batch, channels: channels, plane: plane)
        var mean = runningMean.values, variance = runningVariance.values
        var n = batch * plane
        if isTraining {
            let squares: [Double]
            (mean, squares, n) = try input.withUnsafeBufferPointer { try statistics($0, planes) }
            guard n > 1 else {
                throw NetworkError.invalidArgument("batch norm in training needs more than one value per channel, got \(x.shape)")
            }
            let factor = averagesCumulatively ? 1 / (batchesTracked.values[0] + 1) : momentum
            for c in 0..<channels {
                variance[c] = Float(squares[c] / Double(n))
                runningMean.values[c] = (1 - factor) * runningMean.values[c] + factor * mean[c]
                runningVariance.values[c] = (1 - factor) * runningVariance.values[c] + factor * Float(squares[c] / Double(n - 1))
            }
            batchesTracked.values[0] += 1
        }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let gamma = weight.value.scalars, beta = bias.value.scalars
        let output = input.withUnsafeBufferPointer { v in
            [Float].filled(input.count) { y in
                guard plane > 0 else { return }
                ComputeThreads.split(channels) { part in
                    for c in part {
                        let scale = gamma[c] * inverse[c], shift = beta[c] - mean[c] * scale
                        planes.forEach(c) { start in
                            let (input, output) = (v.baseAddress! + start, y.baseAddress! + start)
                            if rectified {
                                for i in 0..<plane { let value = input[i] * scale + shift; output[i] = value <= 0 ? 0 : value }  // NaN stays, as in relu
                            } else {
                                for i in 0..<plane { output[i] = input[i] * scale + shift }
                            }
                        }
                    }
                }
            }
        }
        let rectifiedOutput = rectified ? output : []  // ReLU's mask (the storage the result holds anyway)
        let batchStatistics = isTraining, weight = self.weight, bias = self.bias, count = n
        let replicas = isTraining ? self.replicas : nil
        return inPlaceResult(Tensor(shape: x.shape, scalars: output), x, [weight, bias],
                             operation: rectified ? "batch norm + relu" : "batch norm") { g in
            var dGamma: [Float] = [], dBeta: [Float] = []
            let requiresGrad = x.requiresGrad
            // dx = γ·inv·(dy − mean(dy) − x̂·mean(dy·x̂)) with batch statistics, γ·inv·dy with
            // running ones; written as dx = a·dy + k·x + d from the sums Σdy and Σdy·(x − μ).
            func inputGradient(_ c: Int, _ v: UnsafeBufferPointer<Float>, sumDy: Float, sumDyCentred: Float) {
                let a = gamma[c] * inverse[c]
                let k = batchStatistics ? -a * inverse[c] * inverse[c] * sumDyCentred / Float(count) : 0
                let d = batchStatistics ? -a * sumDy / Float(count) - k * mean[c] : 0
                planes.forEach(c) { start in for i in start..<(start + plane) { g[i] = a * g[i] + k * v[i] + d } }
            }
            var sums = [Float](repeating: 0, count: 2 * channels)   // Σdy, then Σdy·(x − μ), per channel
            try input.withUnsafeBufferPointer { v in
                if rectified, let dy = g.baseAddress {  // ReLU's backward pass, one streaming sweep
                    rectifiedOutput.withUnsafeBufferPointer { mask(dy, wherePositive: $0.baseAddress!, dy, g.count) }
                }
                sums.withUnsafeMutableBufferPointer { sums in
                    ComputeThreads.split(channels) { part in
                        for c in part {
                            var total = (dy: 0.0, dyCentred: 0.0)
                            planes.forEach(c) { start in
                                let part = Self.gradientSums(g.baseAddress! + start, v.baseAddress! + start, mean[c], plane)
                                total = (total.dy + Double(part.dy), total.dyCentred + Double(part.dyCentred))
                            }
                            (sums[c], sums[channels + c]) = (Float(total.dy), Float(total.dyCentred))
                            if requiresGrad && replicas == nil { inputGradient(c, v, sumDy: sums[c], sumDyCentred: sums[channels + c]) }
                        }
                    }
                }
                dBeta = Array(sums[..<channels])
                dGamma = (0..<channels).map { sums[channels + $0] * inverse[$0] }
                guard requiresGrad, let replicas else { return }
                try replicas.allreduce(&sums, .sum)
                ComputeThreads.split(channels) { part in
                    for c in part { inputGradient(c, v, sumDy: sums[c], sumDyCentred: sums[channels + c]) }
                }
            }
            weight.accumulate(dGamma)
            bias.accumulate(dBeta)
        }
    }

    /// `Σ dy` and `Σ dy·(x − μ)` over `n` values in one sweep (eight lanes each, as `Kernels.sum`
    /// and `Kernels.centredDot` add them).
    @inline(__always)
    private static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ mean: Float, _ n: Int) -> (dy: Float, dyCentred: Float) {
        var sum = SIMD8<Float>(), dot = SIMD8<Float>(), i = 0
        let centre = SIMD8<Float>(repeating: mean)
        while i + 8 <= n {
            let g = Kernels.load(dy + i)
            sum += g
            dot += g * (Kernels.load(x + i) - centre)
            i += 8
        }
        var total = (dy: sum.sum(), dyCentred: dot.sum())
        while i < n {
            total = (total.dy + dy[i], total.dyCentred + dy[i] * (x[i] - mean))
            i += 1
        }
        return total
    }

    /// Per-channel mean and sum of squared deviations of a batch in training, over the
    /// ``replicas`` when set, and the number of values per channel they cover.
    private func statistics(_ v: UnsafeBufferPointer<Float>, _ planes: PlaneLayout) throws -> (mean: [Float], squares: [Double], count: Int) {
        let channels = planes.channels, plane = planes.plane
        var mean = [Float](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        guard let replicas else {
            let n = planes.batch * plane
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
            return (mean, squares, n)
        }
        var sums = [Double](repeating: 0, count: channels + 1)
        sums.withUnsafeMutableBufferPointer { sums in
            ComputeThreads.split(channels) { part in
                for c in part { sums[c] = planes.total(c) { Kernels.sum(v.baseAddress! + $0, plane) } }
            }
        }
        sums[channels] = Double(planes.batch * plane)
        try replicas.allreduce(&sums, .sum)
        let n = Int(sums[channels])
        for c in 0..<channels { mean[c] = Float(sums[c] / Double(n)) }
        squares.withUnsafeMutableBufferPointer { squares in
            ComputeThreads.split(channels) { part in
                for c in part { squares[c] = planes.total(c) { Kernels.centredDot(v.baseAddress! + $0, mean[c], v.baseAddress! + $0, mean[c], plane) } }
            }
        }
        try replicas.allreduce(&squares, .sum)
        return (mean, squares, n)
    }
}

extension Module {
    /// Makes every batch norm of the model normalise over the batches of all `replicas` (`nil`:
    /// each batch alone), for data-parallel training.
    /// - Parameter replicas: the ranks whose batches together form the global batch, or `nil`.
    public func synchroniseBatchNorm(over replicas: (any Communicator)?) {
        if let norm = self as? BatchNorm { norm.replicas = replicas }
        for child in children { child.module.synchroniseBatchNorm(over: replicas) }
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
