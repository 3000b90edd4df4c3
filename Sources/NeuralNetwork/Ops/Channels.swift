import GridCore


/// Channels `[start, start + count)` of a `[B, C, …]` tensor.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the range leaves the channel axis.
public func channels(_ x: Variable, _ range: Range<Int>) throws -> Variable {
    guard x.shape.count >= 2, range.lowerBound >= 0, range.upperBound <= x.shape[1] else {
        throw NetworkError.shapeMismatch("channels \(range) of \(x.shape)")
    }
    let batch = x.shape[0], plane = x.shape.dropFirst(2).reduce(1, *)
    let width = range.count * plane, total = x.shape[1] * plane, offset = range.lowerBound * plane
    var shape = x.shape
    shape[1] = range.count
    let output = x.value.scalars.withUnsafeBufferPointer { input in
        [Float].filled(batch * width) { out in
            for b in 0..<batch { copy(input, from: b * total + offset, to: out, at: b * width, count: width) }
        }
    }
    return result(Tensor(shape: shape, scalars: output), [x], operation: "channel slice") { g in
        x.accumulateGradient(zeroed: true) { dx in
            for b in 0..<batch { copy(g, from: b * width, to: dx, at: b * total + offset, count: width) }
        }
    }
}

/// Concatenates `[B, Cᵢ, …]` tensors along the channel axis.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when batch or spatial extents differ.
public func concatenateChannels(_ parts: [Variable]) throws -> Variable {
    guard let first = parts.first else { throw NetworkError.invalidArgument("concatenating no tensors") }
    for p in parts where p.shape.count != first.shape.count || p.shape[0] != first.shape[0]
        || Array(p.shape.dropFirst(2)) != Array(first.shape.dropFirst(2)) {
        throw NetworkError.shapeMismatch("concatenate channels of \(first.shape) and \(p.shape)")
    }
    let batch = first.shape[0], plane = first.shape.dropFirst(2).reduce(1, *)
    let widths = parts.map { $0.shape[1] * plane }, total = widths.reduce(0, +)
    let starts = widths.indices.map { widths[..<$0].reduce(0, +) }
    let output = [Float].filled(batch * total) { out in
        for (p, (width, start)) in zip(parts, zip(widths, starts)) {
            p.value.scalars.withUnsafeBufferPointer { input in
                for b in 0..<batch { copy(input, from: b * width, to: out, at: b * total + start, count: width) }
            }
        }
    }
    var shape = first.shape
    shape[1] = parts.reduce(0) { $0 + $1.shape[1] }
    return result(Tensor(shape: shape, scalars: output), parts, operation: "concatenate channels") { g in
        for (p, (width, start)) in zip(parts, zip(widths, starts)) {
            p.accumulateGradient { dp in
                for b in 0..<batch { copy(g, from: b * total + start, to: dp, at: b * width, count: width) }
            }
        }
    }
}

/// NAFNet's SimpleGate, fused: `[B, 2C, …]` → `[B, C, …]`, the first half of the channels
/// times the second half.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` for an odd channel count.
public func simpleGate(_ x: Variable) throws -> Variable {
    guard x.shape.count >= 2, x.shape[1] % 2 == 0 else {
        throw NetworkError.shapeMismatch("SimpleGate needs [B, 2C, …] with an even channel count, got \(x.shape)")
    }
    let batch = x.shape[0], half = x.shape[1] / 2 * x.shape.dropFirst(2).reduce(1, *)
    let input = x.value.scalars
    var shape = x.shape
    shape[1] /= 2
    let output = input.withUnsafeBufferPointer { v in
        [Float].filled(batch * half) { out in
            guard half > 0 else { return }
            for b in 0..<batch {
                let a = v.baseAddress! + 2 * b * half, c = a + half, y = out.baseAddress! + b * half
                for i in 0..<half { y[i] = a[i] * c[i] }
            }
        }
    }
    return result(Tensor(shape: shape, scalars: output), [x], operation: "simple gate") { g in
        input.withUnsafeBufferPointer { v in
            x.accumulateGradient { dx in
                guard half > 0 else { return }
                for b in 0..<batch {
                    let a = v.baseAddress! + 2 * b * half, c = a + half, gy = g.baseAddress! + b * half
                    let da = dx.baseAddress! + 2 * b * half, dc = da + half
                    for i in 0..<half { da[i] = gy[i] * c[i]; dc[i] = gy[i] * a[i] }
                }
            }
        }
    }
}

/// `x[b, c, …] · s[b, c]` (one scale per sample and channel: channel attention) or
/// `x[b, c, …] · s[c]` (one scale per channel, shared by the batch: learnt layer scales).
/// - Throws: ``NetworkError/shapeMismatch(_:)`` unless `s` has `B·C` or `C` values.
public func scaleChannels(_ x: Variable, by s: Variable) throws -> Variable {
    guard x.shape.count >= 2 else { throw NetworkError.shapeMismatch("scaleChannels needs [B, C, …], got \(x.shape)") }
    let (batch, channels) = (x.shape[0], x.shape[1])
    let perSample = s.value.count == batch * channels && s.shape.first == batch
    guard perSample || s.value.count == channels else {
        throw NetworkError.shapeMismatch("scaleChannels: \(x.shape) by \(s.shape)")
    }
    let plane = x.shape.dropFirst(2).reduce(1, *), planes = batch * channels
    let input = x.value.scalars, scale = s.value.scalars
    let output = input.withUnsafeBufferPointer { v in
        scale.withUnsafeBufferPointer { scale in
            [Float].filled(input.count) { out in
                for bc in 0..<planes {
                    let factor = scale[perSample ? bc : bc % channels], base = bc * plane
                    for i in base..<(base + plane) { out[i] = v[i] * factor }
                }
            }
        }
    }
    return inPlaceResult(Tensor(shape: x.shape, scalars: output), x, [s], operation: "scale channels") { g in
        if plane > 0 {
            input.withUnsafeBufferPointer { v in
                s.accumulateGradient(zeroed: true) { ds in
                    for bc in 0..<planes {
                        let base = bc * plane
                        ds[perSample ? bc : bc % channels] += Kernels.centredDot(g.baseAddress! + base, 0, v.baseAddress! + base, 0, plane)
                    }
                }
            }
        }
        guard x.requiresGrad else { return }
        scale.withUnsafeBufferPointer { scale in
            for bc in 0..<planes {
                let factor = scale[perSample ? bc : bc % channels], base = bc * plane
                for i in base..<(base + plane) { g[i] *= factor }
            }
        }
    }
}

/// Copies `count` values from `source[from...]` to `target[at...]`.
@inline(__always)
func copy(_ source: UnsafeBufferPointer<Float>, from: Int, to target: UnsafeMutableBufferPointer<Float>, at: Int, count: Int) {
    guard count > 0 else { return }
    (target.baseAddress! + at).update(from: source.baseAddress! + from, count: count)
}
