import Testing
import NeuralNetwork

/// Checks every gradient of `build` (input and parameters) against central finite differences
/// of the probe loss `Σ r ⊙ build(x)` with a fixed random `r`.
///
/// Float32 throughout: with step h = 1e-2 the truncation error of a smooth op is O(h²) ≈ 1e-4
/// and the rounding error ≈ 1e-7·|L|/h ≈ 1e-4, so 2e-2 relative (to max(1, |numeric|)) catches
/// every wrong formula while tolerating both. Inputs are drawn away from kinks where it matters.
/// A whole network has ReLU kinks inside that a step of 10⁻² crosses now and then: a smaller
/// `step` (10⁻³) makes a crossing ten times less likely, at ten times the rounding error.
public func checkGradients(
    input: Tensor, parameters: [Parameter] = [], seed: UInt64 = 1, tolerance: Float = 2e-2, step h: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ build: (Variable) throws -> Variable
) throws {
    let x = Variable(input, requiresGrad: true)
    let y = try build(x)
    var random = TestRandom(seed: seed)
    let r = random.values(y.value.count)
    for p in parameters { p.zeroGrad() }
    sum(y, weightedBy: r).backward()
    func loss(_ input: Tensor) throws -> Float {
        let v = try build(Variable(input))
        return zip(v.value.scalars, r).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let inputGradient = x.grad ?? [Float](repeating: 0, count: input.count)
    for i in stride(from: 0, to: input.count, by: max(1, input.count / 17)) {
        var plus = input, minus = input
        plus.scalars[i] += h
        minus.scalars[i] -= h
        let numeric = (try loss(plus) - loss(minus)) / (2 * h)
        #expect(abs(inputGradient[i] - numeric) <= tolerance * max(1, abs(numeric)), "∂x[\(i)]: \(inputGradient[i]) vs \(numeric)", sourceLocation: sourceLocation)
    }
    for p in parameters {
        let analytic = p.grad ?? [Float](repeating: 0, count: p.value.count)
        let original = p.value.scalars
        for i in stride(from: 0, to: original.count, by: max(1, original.count / 11)) {
            var values = original
            values[i] = original[i] + h
            p.assign(values)
            let plus = try loss(input)
            values[i] = original[i] - h
            p.assign(values)
            let minus = try loss(input)
            p.assign(original)
            let numeric = (plus - minus) / (2 * h)
            #expect(abs(analytic[i] - numeric) <= tolerance * max(1, abs(numeric)), "∂\(p.name)[\(i)]: \(analytic[i]) vs \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

/// A seeded random tensor with values in [-1, 1), or away from 0 when `awayFromZero`
/// (for ReLU and max pooling, whose derivatives jump there).
public func randomTensor(_ shape: [Int], seed: UInt64, awayFromZero: Bool = false) -> Tensor {
    var random = TestRandom(seed: seed)
    let values = random.values(shape.reduce(1, *)).map { awayFromZero ? ($0 < 0 ? $0 - 0.1 : $0 + 0.1) : $0 }
    return Tensor(shape: shape, scalars: values)
}
