/// Max or average pooling over the spatial axes of `[B, C, spatial…]` (any rank) with a window
/// and stride per axis and no padding, as `torch.nn.MaxPool{1,2,3}d` / `AvgPool…d`.
public final class Pooling: Module {
    /// How a window is reduced.
    public enum Kind: Sendable { case max, average }
    /// The reduction.
    public let kind: Kind
    /// Window per spatial axis (one value applies to every axis).
    public let window: [Int]
    /// Stride per spatial axis (defaults to the window).
    public let stride: [Int]
    /// No effect.
    public var isTraining = true

    /// A pooling layer.
    public init(_ kind: Kind, window: [Int], stride: [Int]? = nil) {
        self.kind = kind
        self.window = window
        self.stride = stride ?? window
    }

    /// Pools every channel plane.
    public func forward(_ x: Variable) throws -> Variable {
        let rank = x.shape.count - 2
        guard rank >= 1 else { throw NetworkError.shapeMismatch("pooling needs [B, C, spatial…], got \(x.shape)") }
        let window = self.window.count == 1 ? [Int](repeating: self.window[0], count: rank) : self.window
        let stride = self.stride.count == 1 ? [Int](repeating: self.stride[0], count: rank) : self.stride
        let size = Array(x.shape.dropFirst(2))
        guard window.count == rank, stride.count == rank, zip(size, window).allSatisfy({ $0 >= $1 }) else {
            throw NetworkError.shapeMismatch("pooling window \(window) does not fit \(x.shape)")
        }
        let outSize = (0..<rank).map { (size[$0] - window[$0]) / stride[$0] + 1 }
        // Offsets of each window's taps and of each window's origin inside a plane.
        let taps = offsets(window, in: size, step: [Int](repeating: 1, count: rank))
        let origins = offsets(outSize, in: size, step: stride)
        let planes = x.shape[0] * x.shape[1], inPlane = size.reduce(1, *), outPlane = origins.count
        let input = x.value.scalars
        var output = [Float](repeating: 0, count: planes * outPlane)
        var argmax = kind == .max ? [Int](repeating: 0, count: output.count) : []
        let scale = 1 / Float(taps.count)
        for p in 0..<planes {
            for (o, origin) in origins.enumerated() {
                let base = p * inPlane + origin
                if kind == .max {
                    var best = base + taps[0]
                    for t in taps where input[base + t] > input[best] { best = base + t }
                    output[p * outPlane + o] = input[best]
                    argmax[p * outPlane + o] = best
                } else {
                    var sum: Float = 0
                    for t in taps { sum += input[base + t] }
                    output[p * outPlane + o] = sum * scale
                }
            }
        }
        let kind = self.kind
        return result(Tensor(shape: Array(x.shape.prefix(2)) + outSize, scalars: output), [x]) { g in
            var dx = [Float](repeating: 0, count: input.count)
            for p in 0..<planes {
                for (o, origin) in origins.enumerated() {
                    let gradient = g[p * outPlane + o]
                    if kind == .max {
                        dx[argmax[p * outPlane + o]] += gradient
                    } else {
                        for t in taps { dx[p * inPlane + origin + t] += gradient * scale }
                    }
                }
            }
            x.accumulate(dx)
        }
    }
}

/// Global average pooling: `[B, C, spatial…]` → `[B, C, 1, …, 1]` (adaptive average pool to 1).
public final class GlobalAveragePooling: Module {
    /// No effect.
    public var isTraining = true

    /// A global average pool.
    public init() {}

    /// Averages every channel plane.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.shape.count >= 3 else { throw NetworkError.shapeMismatch("global pooling needs [B, C, spatial…], got \(x.shape)") }
        let planes = x.shape[0] * x.shape[1], plane = x.value.count / max(1, planes)
        let input = x.value.scalars, scale = 1 / Float(plane)
        let output = (0..<planes).map { p in input[(p * plane)..<((p + 1) * plane)].reduce(0, +) * scale }
        let shape = Array(x.shape.prefix(2)) + [Int](repeating: 1, count: x.shape.count - 2)
        return result(Tensor(shape: shape, scalars: output), [x]) { g in
            x.accumulate((0..<input.count).map { g[$0 / plane] * scale })
        }
    }
}

/// Offsets (in a row-major array of `size`) of every index `i·step` for `i` in `extent`.
func offsets(_ extent: [Int], in size: [Int], step: [Int]) -> [Int] {
    var result = [0]
    for a in size.indices {
        let stride = size[(a + 1)...].reduce(1, *)
        result = result.flatMap { base in (0..<extent[a]).map { base + $0 * step[a] * stride } }
    }
    return result
}
