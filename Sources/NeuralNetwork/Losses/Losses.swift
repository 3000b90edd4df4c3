import GridCore

#if canImport(Glibc)
import Glibc
#endif

/// Losses returning a scalar variable (mean over the batch), ready for `backward()`.
public enum Loss {
    /// Cross-entropy of `[B, K]` logits against class indices, with label smoothing `ε`
    /// (target `1−ε` on the class plus `ε/K` everywhere), computed stably with log-sum-exp.
    /// - Throws: ``NetworkError`` for a label outside `0..<K` or a batch-size mismatch.
    public static func crossEntropy(_ logits: Variable, labels: [Int], smoothing: Float = 0) throws -> Variable {
        guard logits.shape.count == 2, logits.shape[0] == labels.count else {
            throw NetworkError.shapeMismatch("cross-entropy of logits \(logits.shape) with \(labels.count) labels")
        }
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw NetworkError.invalidArgument("label \(bad) outside 0..<\(classes)")
        }
        let z = logits.value.scalars
        var probabilities = [Float](repeating: 0, count: z.count)
        var total: Double = 0
        for b in 0..<batch {
            let row = (b * classes)..<((b + 1) * classes)
            let peak = z[row].max() ?? 0
            var sum: Float = 0
            for i in row { probabilities[i] = expf(z[i] - peak); sum += probabilities[i] }
            let logSum = logf(sum) + peak
            for i in row { probabilities[i] /= sum }
            var loss: Float = 0
            for (k, i) in row.enumerated() {
                let target = (k == labels[b] ? 1 - smoothing : 0) + smoothing / Float(classes)
                loss -= target * (z[i] - logSum)
            }
            total += Double(loss)
        }
        return result(Tensor(shape: [1], scalars: [Float(total / Double(batch))]), [logits], operation: "cross-entropy") { g in
            let scale = g[0] / Float(batch)
            var dz = probabilities
            for b in 0..<batch {
                for k in 0..<classes {
                    let target = (k == labels[b] ? 1 - smoothing : 0) + smoothing / Float(classes)
                    dz[b * classes + k] = (dz[b * classes + k] - target) * scale
                }
            }
            logits.accumulate(dz)
        }
    }

    /// Mean squared error `mean((ŷ − y)²)`.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
    public static func meanSquaredError(_ prediction: Variable, target: Tensor) throws -> Variable {
        try elementwise(prediction, target, name: "MSE", squared: true)
    }

    /// Mean absolute error `mean(|ŷ − y|)` (subgradient 0 where `ŷ = y`, as PyTorch).
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
    public static func meanAbsoluteError(_ prediction: Variable, target: Tensor) throws -> Variable {
        try elementwise(prediction, target, name: "L1", squared: false)
    }

    /// NAFNet's PSNR loss: the mean over images of `10·log10(MSE_image + 10⁻⁸)`, i.e. minus the
    /// PSNR for a peak of 1.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the shapes differ.
    public static func psnr(_ prediction: Variable, target: Tensor) throws -> Variable {
        guard prediction.shape == target.shape else {
            throw NetworkError.shapeMismatch("PSNR loss of \(prediction.shape) against \(target.shape)")
        }
        let batch = prediction.shape[0], size = prediction.value.count / max(1, batch)
        let p = prediction.value.scalars, t = target.scalars
        let mse = (0..<batch).map { b in
            (0..<size).reduce(Float(0)) { let d = p[b * size + $1] - t[b * size + $1]; return $0 + d * d } / Float(size)
        }
        let loss = mse.reduce(Float(0)) { $0 + 10 * log10f($1 + 1e-8) } / Float(batch)
        return result(Tensor(shape: [1], scalars: [loss]), [prediction], operation: "PSNR loss") { g in
            let factor = 10 / logf(10) * g[0] / Float(batch)
            prediction.accumulate((0..<p.count).map { i in
                factor / (mse[i / size] + 1e-8) * 2 * (p[i] - t[i]) / Float(size)
            })
        }
    }

    /// `mean(d²)` or `mean(|d|)` of `d = ŷ − y`, with the backward pass `2d/n` or `sign(d)/n`.
    private static func elementwise(_ prediction: Variable, _ target: Tensor, name: String, squared: Bool) throws -> Variable {
        guard prediction.shape == target.shape else {
            throw NetworkError.shapeMismatch("\(name) of \(prediction.shape) against \(target.shape)")
        }
        let difference = prediction.value.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in [Float].filled(p.count) { d in for i in 0..<d.count { d[i] = p[i] - t[i] } } }
        }
        let n = Float(max(1, difference.count))
        let total = difference.withUnsafeBufferPointer { d -> Float in
            guard let base = d.baseAddress else { return 0 }
            if squared { return Kernels.centredDot(base, 0, base, 0, d.count) }
            return d.reduce(Float(0)) { $0 + abs($1) }
        }
        return result(Tensor(shape: [1], scalars: [total / n]), [prediction], operation: "\(name) loss") { g in
            let scale = g[0] / n
            difference.withUnsafeBufferPointer { d in
                prediction.accumulateGradient { dp in
                    if squared {
                        for i in 0..<dp.count { dp[i] = 2 * scale * d[i] }
                    } else {
                        for i in 0..<dp.count { dp[i] = d[i] > 0 ? scale : (d[i] < 0 ? -scale : 0) }
                    }
                }
            }
        }
    }
}

/// Quality metrics.
public enum Metric {
    /// Peak signal-to-noise ratio in dB, `10·log10(peak²/MSE)` over all values.
    public static func psnr(_ prediction: [Float], _ target: [Float], peak: Float = 1) -> Double {
        precondition(prediction.count == target.count, "PSNR of arrays of different lengths")
        let mse = zip(prediction, target).reduce(0.0) { let d = Double($1.0 - $1.1); return $0 + d * d } / Double(max(1, target.count))
        return 10 * log10(Double(peak * peak) / max(mse, 1e-20))
    }

    /// The number of rows of `[B, K]` logits whose top-`k` classes contain the label. A row
    /// with a NaN or infinite logit (a diverged model) and a label outside `0..<K` never count
    /// as correct.
    public static func correct(_ logits: Tensor, labels: [Int], topK k: Int = 1) -> Int {
        let classes = logits.shape[1]
        return labels.enumerated().filter { b, label in
            guard label >= 0, label < classes, b < logits.shape[0] else { return false }
            let row = logits.scalars[(b * classes)..<((b + 1) * classes)]
            guard row.allSatisfy(\.isFinite) else { return false }
            let score = row[row.startIndex + label]
            return row.filter { $0 > score }.count < k
        }.count
    }
}
