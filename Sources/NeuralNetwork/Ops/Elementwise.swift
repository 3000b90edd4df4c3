#if canImport(Glibc)
import Glibc
#endif

/// The result of an op whose backward only needs the output gradient.
func result(_ value: Tensor, _ parents: [Variable], backward: @escaping (UnsafeBufferPointer<Float>) -> Void) -> Variable {
    Variable(value, parents: parents) { output in
        output.grad!.withUnsafeBufferPointer { backward($0) }
    }
}

/// Applies `f` element-wise with derivative `df(x, y)`, where `y = f(x)`.
func pointwise(_ x: Variable, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Variable {
    let input = x.value.scalars
    let output = input.map(f)
    return result(Tensor(shape: x.shape, scalars: output), [x]) { g in
        guard x.requiresGrad else { return }
        let delta = [Float](unsafeUninitializedCapacity: g.count) { buffer, count in
            for i in 0..<g.count { buffer[i] = g[i] * derivative(input[i], output[i]) }
            count = g.count
        }
        x.accumulate(delta)
    }
}

/// `max(x, 0)`.
public func relu(_ x: Variable) -> Variable {
    pointwise(x, { max($0, 0) }, derivative: { input, _ in input > 0 ? 1 : 0 })
}

/// GELU with the exact erf form, `x·Φ(x)` (PyTorch's default).
public func gelu(_ x: Variable) -> Variable {
    pointwise(x, { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }, derivative: { input, _ in
        0.5 * (1 + erff(input * 0.70710678)) + input * 0.39894228 * expf(-0.5 * input * input)
    })
}

/// Element-wise `a + b` (same shapes): residual connections.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func add(_ a: Variable, _ b: Variable) throws -> Variable { try combine(a, b, sign: 1) }

/// Element-wise `a − b` (same shapes): residual learning of the noise.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func subtract(_ a: Variable, _ b: Variable) throws -> Variable { try combine(a, b, sign: -1) }

/// `a + sign·b`, with `sign` ±1.
private func combine(_ a: Variable, _ b: Variable, sign: Float) throws -> Variable {
    guard a.shape == b.shape else { throw NetworkError.shapeMismatch("\(sign > 0 ? "add" : "subtract"): \(a.shape) and \(b.shape)") }
    var sum = a.value.scalars
    b.value.scalars.withUnsafeBufferPointer { rhs in
        sum.withUnsafeMutableBufferPointer { lhs in for i in lhs.indices { lhs[i] += sign * rhs[i] } }
    }
    return result(Tensor(shape: a.shape, scalars: sum), [a, b]) { g in
        a.accumulate(g)
        if b.requiresGrad { b.accumulate(sign > 0 ? Array(g) : g.map { -$0 }) }
    }
}

/// Element-wise `a ⊙ b` (same shapes): gates.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func multiply(_ a: Variable, _ b: Variable) throws -> Variable {
    guard a.shape == b.shape else { throw NetworkError.shapeMismatch("multiply: \(a.shape) and \(b.shape)") }
    let x = a.value.scalars, y = b.value.scalars
    let product = zip(x, y).map { $0 * $1 }
    return result(Tensor(shape: a.shape, scalars: product), [a, b]) { g in
        if a.requiresGrad { a.accumulate((0..<g.count).map { g[$0] * y[$0] }) }
        if b.requiresGrad { b.accumulate((0..<g.count).map { g[$0] * x[$0] }) }
    }
}

/// `x[b, c, …] · s[b, c]` (one scale per sample and channel: channel attention) or
/// `x[b, c, …] · s[c]` (one scale per channel, shared by the batch: learnt layer scales).
/// - Throws: ``NetworkError/shapeMismatch(_:)`` unless `s` has `B·C` or `C` values.
public func scaleChannels(_ x: Variable, by s: Variable) throws -> Variable {
    let (batch, channels) = (x.shape[0], x.shape[1])
    let perSample = s.value.count == batch * channels && s.shape.first == batch
    guard perSample || s.value.count == channels else {
        throw NetworkError.shapeMismatch("scaleChannels: \(x.shape) by \(s.shape)")
    }
    let plane = x.value.count / max(1, batch * channels)
    let input = x.value.scalars, scale = s.value.scalars
    let scaleIndex: (Int) -> Int = perSample ? { $0 } : { $0 % channels }
    var output = input
    for bc in 0..<(batch * channels) {
        let factor = scale[scaleIndex(bc)]
        for i in (bc * plane)..<((bc + 1) * plane) { output[i] *= factor }
    }
    return result(Tensor(shape: x.shape, scalars: output), [x, s]) { g in
        if x.requiresGrad {
            x.accumulate((0..<g.count).map { g[$0] * scale[scaleIndex($0 / plane)] })
        }
        if s.requiresGrad {
            var ds = [Float](repeating: 0, count: scale.count)
            for bc in 0..<(batch * channels) {
                var total: Float = 0
                for i in (bc * plane)..<((bc + 1) * plane) { total += g[i] * input[i] }
                ds[scaleIndex(bc)] += total
            }
            s.accumulate(ds)
        }
    }
}

/// The same values with another shape of equal element count (flatten, view).
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the counts differ.
public func reshape(_ x: Variable, to shape: [Int]) throws -> Variable {
    guard shape.reduce(1, *) == x.value.count else {
        throw NetworkError.shapeMismatch("reshape \(x.shape) to \(shape)")
    }
    return result(Tensor(shape: shape, scalars: x.value.scalars), [x]) { g in x.accumulate(g) }
}

/// `Σᵢ wᵢ·xᵢ` as a scalar (a probe loss for gradient checks, or a weighted objective).
/// - Precondition: one weight per element.
public func sum(_ x: Variable, weightedBy weights: [Float]) -> Variable {
    precondition(weights.count == x.value.count, "one weight per element")
    let total = zip(x.value.scalars, weights).reduce(Double(0)) { $0 + Double($1.0 * $1.1) }
    return result(Tensor(shape: [1], scalars: [Float(total)]), [x]) { g in
        x.accumulate(weights.map { $0 * g[0] })
    }
}
