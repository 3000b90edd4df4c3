import GridCore
import WeightedConvolution

/// A fully connected layer `y = x·Wᵀ + b` on `[B, in]`, as `torch.nn.Linear`.
public final class Linear: Module {
    /// `[out, in]`.
    public let weight: Parameter
    /// `[out]`, or `nil`.
    public let bias: Parameter?
    /// No effect.
    public var isTraining = true

    /// A linear layer; weights `N(0, weightStandardDeviation²)` when given (VGG uses 0.01),
    /// otherwise PyTorch's default `U(±1/√in)`; zero bias.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, weightStandardDeviation: Float? = nil, seed: UInt64) {
        let shape = [outFeatures, inFeatures]
        let value = weightStandardDeviation.map { Initialization.normal(shape: shape, standardDeviation: $0, seed: seed) }
            ?? Initialization.uniform(shape: shape, bound: 1 / Float(inFeatures).squareRoot(), seed: seed)
        weight = Parameter(name: "weight", value: value, group: .weights)
        self.bias = bias ? Parameter(name: "bias", value: Tensor(shape: [outFeatures]), group: .noDecay) : nil
    }

    /// Own parameters: `weight`, `bias`.
    public var ownParameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// Maps `[B, in]` to `[B, out]`.
    public func forward(_ x: Variable) throws -> Variable {
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        guard x.shape.count == 2, x.shape[1] == inFeatures else {
            throw NetworkError.shapeMismatch("linear layer takes [B, \(inFeatures)], got \(x.shape) (flatten first?)")
        }
        let batch = x.shape[0]
        var output = [Float](repeating: 0, count: batch * outFeatures)
        if let bias { for b in 0..<batch { for o in 0..<outFeatures { output[b * outFeatures + o] = bias.value.scalars[o] } } }
        let input = x.value.scalars, w = weight.value.scalars
        gemm(transposeA: false, transposeB: true, m: batch, n: outFeatures, k: inFeatures, input, w, &output, beta: 1)
        let weight = self.weight, bias = self.bias
        return result(Tensor(shape: [batch, outFeatures], scalars: output), [x, weight] + (bias.map { [$0] } ?? []),
                      operation: "linear \(inFeatures)→\(outFeatures)") { g in
            let dy = Array(g)
            if x.requiresGrad {
                var dx = [Float](repeating: 0, count: input.count)
                gemm(transposeA: false, transposeB: false, m: batch, n: inFeatures, k: outFeatures, dy, w, &dx, beta: 0)
                x.accumulate(dx)
            }
            var dw = [Float](repeating: 0, count: w.count)
            gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: batch, dy, input, &dw, beta: 0)
            weight.accumulate(dw)
            bias?.accumulate((0..<outFeatures).map { o in (0..<batch).reduce(Float(0)) { $0 + dy[$1 * outFeatures + o] } })
        }
    }
}

/// `C = op(A)·op(B) + beta·C` for row-major matrices (`C` is `m × n`), with the package's
/// preferred matrix-product kernel on `ComputeThreads.count` threads.
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, _ a: [Float], _ b: [Float], _ c: inout [Float], beta: Float) {
    guard m > 0, n > 0 else { return }
    c.withUnsafeMutableBufferPointer { c in
        MatrixProductKernel.preferred.multiply(
            transposingA: transposeA, transposingB: transposeB, m: m, n: n, k: k, a: a, lda: transposeA ? m : k, b: b,
            ldb: transposeB ? k : n, beta: beta, c: c.baseAddress!, ldc: n, threads: ComputeThreads.count)
    }
}
