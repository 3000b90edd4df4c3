import GridCore

#if canImport(Glibc)
import Glibc
#endif

/// The result of an op whose backward only needs the output gradient.
func result(_ value: Tensor, _ parents: [Variable], operation: @autoclosure () -> String,
            backward: @escaping (UnsafeBufferPointer<Float>) -> Void) -> Variable {
    Variable(value, parents: parents, operation: operation()) { output in
        output.grad!.withUnsafeBufferPointer { backward($0) }
    }
}

/// `max(x, 0)`; the backward pass masks by the output, as PyTorch.
public func relu(_ x: Variable) -> Variable {
    let y = x.value.scalars.withUnsafeBufferPointer { input in
        [Float].filled(input.count) { out in
            guard let v = input.baseAddress else { return }
            mask(v, wherePositive: v, out.baseAddress!, out.count)
        }
    }
    return inPlaceResult(Tensor(shape: x.shape, scalars: y), x, operation: "relu") { g in
        y.withUnsafeBufferPointer { y in
            guard let y = y.baseAddress else { return }
            mask(g.baseAddress!, wherePositive: y, g.baseAddress!, g.count)
        }
    }
}

/// `Kernels.mask` split over the compute threads: `out[i] = x[i] > 0 ? g[i] : 0`.
func mask(_ g: UnsafePointer<Float>, wherePositive x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    ComputeThreads.splitElements(n) { slice in
        let start = slice.lowerBound
        Kernels.mask(g + start, wherePositive: x + start, out + start, slice.count)
    }
}

/// GELU with the exact erf form, `x·Φ(x)` (PyTorch's default).
public func gelu(_ x: Variable) -> Variable {
    let input = x.value.scalars
    let y = input.withUnsafeBufferPointer { input in
        [Float].filled(input.count) { out in
            for i in 0..<out.count { out[i] = 0.5 * input[i] * (1 + erff(input[i] * 0.70710678)) }
        }
    }
    return inPlaceResult(Tensor(shape: x.shape, scalars: y), x, operation: "gelu") { g in
        input.withUnsafeBufferPointer { input in
            for i in 0..<g.count {
                let v = input[i]
                g[i] *= 0.5 * (1 + erff(v * 0.70710678)) + v * 0.39894228 * expf(-0.5 * v * v)
            }
        }
    }
}

/// Element-wise `a + b` (same shapes): residual connections. The backward pass hands the
/// output gradient to both inputs without copying it.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func add(_ a: Variable, _ b: Variable) throws -> Variable { try combine(a, b, sign: 1) }

/// Element-wise `a − b` (same shapes): residual learning of the noise.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func subtract(_ a: Variable, _ b: Variable) throws -> Variable { try combine(a, b, sign: -1) }

/// `a + sign·b`, with `sign` ±1.
private func combine(_ a: Variable, _ b: Variable, sign: Float) throws -> Variable {
    guard a.shape == b.shape else { throw NetworkError.shapeMismatch("\(sign > 0 ? "add" : "subtract"): \(a.shape) and \(b.shape)") }
    let sum = a.value.scalars.withUnsafeBufferPointer { lhs in
        b.value.scalars.withUnsafeBufferPointer { rhs in
            [Float].filled(lhs.count) { out in
                guard let (a, b, y) = out.baseAddress.map({ (lhs.baseAddress!, rhs.baseAddress!, $0) }) else { return }
                ComputeThreads.splitElements(out.count) { slice in
                    let start = slice.lowerBound
                    Kernels.add(a + start, sign, b + start, y + start, slice.count)
                }
            }
        }
    }
    return Variable(Tensor(shape: a.shape, scalars: sum), parents: [a, b], operation: sign > 0 ? "add" : "subtract") { y in
        let g = y.grad!
        a.accumulate(g)
        if sign > 0 {
            b.accumulate(g)
        } else {
            g.withUnsafeBufferPointer { g in
                b.accumulateGradient { db in ComputeThreads.splitElements(db.count) { slice in for i in slice { db[i] = -g[i] } } }
            }
        }
    }
}

/// Element-wise `a ⊙ b` (same shapes): gates.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
public func multiply(_ a: Variable, _ b: Variable) throws -> Variable {
    guard a.shape == b.shape else { throw NetworkError.shapeMismatch("multiply: \(a.shape) and \(b.shape)") }
    let x = a.value.scalars, y = b.value.scalars
    let product = x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in [Float].filled(x.count) { out in for i in 0..<out.count { out[i] = x[i] * y[i] } } }
    }
    return result(Tensor(shape: a.shape, scalars: product), [a, b], operation: "multiply") { g in
        y.withUnsafeBufferPointer { y in a.accumulateGradient { da in for i in 0..<da.count { da[i] = g[i] * y[i] } } }
        x.withUnsafeBufferPointer { x in b.accumulateGradient { db in for i in 0..<db.count { db[i] = g[i] * x[i] } } }
    }
}

/// The same values with another shape of equal element count (flatten, view); no copy.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the counts differ.
public func reshape(_ x: Variable, to shape: [Int]) throws -> Variable {
    guard shape.reduce(1, *) == x.value.count else {
        throw NetworkError.shapeMismatch("reshape \(x.shape) to \(shape)")
    }
    return Variable(Tensor(shape: shape, scalars: x.value.scalars), parents: [x], operation: "reshape") { y in x.accumulate(y.grad!) }
}

/// `Σᵢ wᵢ·xᵢ` as a scalar (a probe loss for gradient checks, or a weighted objective).
/// - Precondition: one weight per element.
public func sum(_ x: Variable, weightedBy weights: [Float]) -> Variable {
    precondition(weights.count == x.value.count, "one weight per element")
    let total = x.value.scalars.withUnsafeBufferPointer { v in
        weights.withUnsafeBufferPointer { w in v.isEmpty ? 0 : Kernels.centredDot(v.baseAddress!, 0, w.baseAddress!, 0, v.count) }
    }
    return result(Tensor(shape: [1], scalars: [total]), [x], operation: "weighted sum") { g in
        let scale = g[0]
        weights.withUnsafeBufferPointer { w in x.accumulateGradient { dx in for i in 0..<dx.count { dx[i] = w[i] * scale } } }
    }
}
