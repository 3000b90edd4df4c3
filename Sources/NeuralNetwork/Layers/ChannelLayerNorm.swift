import GridCore


/// Layer normalisation over the channels at every position of `[B, C, spatial…]`, with a
/// per-channel scale and shift (NAFNet's `LayerNorm2d`, any spatial rank):
/// `y[b, c, p] = γ[c]·(x[b, c, p] − μ[b, p])/√(σ²[b, p] + ε) + β[c]`.
///
/// The statistics of all positions are accumulated together, one channel row at a time, so
/// every loop runs over contiguous positions and vectorises; images are split over
/// `ComputeThreads.count` threads.
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
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the channel axis does not match.
    public func forward(_ x: Variable) throws -> Variable {
        let channels = weight.value.count
        guard x.shape.count >= 2, x.shape[1] == channels else {
            throw NetworkError.shapeMismatch("layer norm over \(channels) channels got \(x.shape)")
        }
        let batch = x.shape[0], plane = x.shape.dropFirst(2).reduce(1, *), image = channels * plane
        let input = x.value.scalars, gamma = weight.value.scalars, beta = bias.value.scalars
        let scale = 1 / Float(channels), epsilon = self.epsilon
        // Per position: μ, then 1/√(σ² + ε).
        var mean = [Float](repeating: 0, count: batch * plane), inverse = mean
        let output = input.withUnsafeBufferPointer { v in
            [Float].filled(input.count) { y in
                mean.withUnsafeMutableBufferPointer { mean in
                    inverse.withUnsafeMutableBufferPointer { inverse in
                        ComputeThreads.split(batch) { images in
                            for b in images {
                                let m = mean.baseAddress! + b * plane, s = inverse.baseAddress! + b * plane
                                for c in 0..<channels {
                                    let row = v.baseAddress! + b * image + c * plane
                                    for p in 0..<plane { m[p] += row[p] }
                                }
                                for p in 0..<plane { m[p] *= scale }
                                for c in 0..<channels {
                                    let row = v.baseAddress! + b * image + c * plane
                                    for p in 0..<plane { let d = row[p] - m[p]; s[p] += d * d }
                                }
                                for p in 0..<plane { s[p] = 1 / (s[p] * scale + epsilon).squareRoot() }
                                for c in 0..<channels {
                                    let row = v.baseAddress! + b * image + c * plane, out = y.baseAddress! + b * image + c * plane
                                    for p in 0..<plane { out[p] = (row[p] - m[p]) * s[p] * gamma[c] + beta[c] }
                                }
                            }
                        }
                    }
                }
            }
        }
        let weight = self.weight, bias = self.bias
        return inPlaceResult(Tensor(shape: x.shape, scalars: output), x, [weight, bias], operation: "channel layer norm") { g in
            // Images split over threads; each slice sums its own γ and β gradients.
            let threads = Swift.min(ComputeThreads.count, batch)
            var partials = [Float](repeating: 0, count: threads * 2 * channels)
            let requiresGrad = x.requiresGrad
            input.withUnsafeBufferPointer { v in
                mean.withUnsafeBufferPointer { mean in
                    inverse.withUnsafeBufferPointer { inverse in
                        partials.withUnsafeMutableBufferPointer { partials in
                            ComputeThreads.split(threads) { slices in
                                for slice in slices {
                                    let dGamma = partials.baseAddress! + slice * 2 * channels, dBeta = dGamma + channels
                                    var sumDy = [Float](repeating: 0, count: plane), sumDyXhat = sumDy, xhat = sumDy
                                    for b in (slice * batch / threads)..<((slice + 1) * batch / threads) {
                                        let m = mean.baseAddress! + b * plane, s = inverse.baseAddress! + b * plane
                                        for p in 0..<plane { sumDy[p] = 0; sumDyXhat[p] = 0 }
                                        for c in 0..<channels {
                                            let row = v.baseAddress! + b * image + c * plane, gy = g.baseAddress! + b * image + c * plane
                                            for p in 0..<plane {
                                                xhat[p] = (row[p] - m[p]) * s[p]
                                                let scaled = gy[p] * gamma[c]
                                                sumDy[p] += scaled
                                                sumDyXhat[p] += scaled * xhat[p]
                                            }
                                            dGamma[c] += Kernels.centredDot(gy, 0, xhat, 0, plane)
                                            dBeta[c] += Kernels.sum(gy, plane)
                                        }
                                        guard requiresGrad else { continue }
                                        // dx = inv·(γ·dy − mean_c(γ·dy) − x̂·mean_c(γ·dy·x̂)), over dy in place.
                                        for c in 0..<channels {
                                            let row = v.baseAddress! + b * image + c * plane, gy = g.baseAddress! + b * image + c * plane
                                            for p in 0..<plane {
                                                let xh = (row[p] - m[p]) * s[p]
                                                gy[p] = s[p] * (gy[p] * gamma[c] - (sumDy[p] + xh * sumDyXhat[p]) * scale)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
            for slice in 0..<threads {
                for c in 0..<channels {
                    dGamma[c] += partials[slice * 2 * channels + c]
                    dBeta[c] += partials[slice * 2 * channels + channels + c]
                }
            }
            weight.accumulate(dGamma)
            bias.accumulate(dBeta)
        }
    }
}
