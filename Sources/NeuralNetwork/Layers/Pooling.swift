import GridCore


/// Max or average pooling over the spatial axes of `[B, C, spatial…]` (any rank) with a window
/// and stride per axis and no padding, as `torch.nn.MaxPool{1,2,3}d` / `AvgPool…d`:
/// `out = ⌊(in − window)/stride⌋ + 1` per axis.
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
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the window does not fit the input.
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
        let strides = RowMajor.strides(size)
        let taps = RowMajor.offsets(window, steps: strides)
        let origins = RowMajor.offsets(outSize, steps: zip(stride, strides).map(*))
        let planes = x.shape[0] * x.shape[1], inPlane = size.reduce(1, *), outPlane = origins.count
        let input = x.value.scalars, scale = 1 / Float(taps.count), kind = self.kind
        var argmax = [Int32]()
        let output = input.withUnsafeBufferPointer { v in
            taps.withUnsafeBufferPointer { taps in
                [Float].filled(planes * outPlane) { out in
                    if kind == .max {
                        argmax = [Int32](unsafeUninitializedCapacity: out.count) { best, count in
                            ComputeThreads.split(planes) { part in
                                for p in part {
                                    for (o, origin) in origins.enumerated() {
                                        let window = v.baseAddress! + (p * inPlane + origin)  // no checked sums per tap
                                        var top = window[taps[0]], at = taps[0]
                                        for k in 1..<taps.count {
                                            let t = taps[k], candidate = window[t]
                                            at = candidate > top ? t : at
                                            top = candidate > top ? candidate : top
                                        }
                                        out[p * outPlane + o] = top
                                        best[p * outPlane + o] = Int32(origin + at)
                                    }
                                }
                            }
                            count = out.count
                        }
                    } else {
                        ComputeThreads.split(planes) { part in
                            for p in part {
                                for (o, origin) in origins.enumerated() {
                                    let window = v.baseAddress! + (p * inPlane + origin)
                                    var total: Float = 0
                                    for t in taps { total += window[t] }
                                    out[p * outPlane + o] = total * scale
                                }
                            }
                        }
                    }
                }
            }
        }
        let label = "\(kind) pool \(window.map(String.init).joined(separator: "×"))"
        return result(Tensor(shape: Array(x.shape.prefix(2)) + outSize, scalars: output), [x], operation: label) { g in
            x.accumulateGradient(zeroed: true) { dx in
                ComputeThreads.split(planes) { part in  // each plane's gradient is its own
                    for p in part {
                        for (o, origin) in origins.enumerated() {
                            let gradient = g[p * outPlane + o]
                            if kind == .max {
                                dx[p * inPlane + Int(argmax[p * outPlane + o])] += gradient
                            } else {
                                for t in taps { dx[p * inPlane + origin + t] += gradient * scale }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adaptive average pooling, as `torch.nn.AdaptiveAvgPool{1,2,3}d`: `[B, C, in…]` →
/// `[B, C, out…]`, output cell `i` of an axis averaging inputs `⌊i·in/out⌋ ..< ⌈(i+1)·in/out⌉`.
/// The default output size 1 on every axis is global average pooling.
public final class AdaptiveAveragePooling: Module {
    /// Output extent per spatial axis (one value applies to every axis).
    public let outputSize: [Int]
    /// No effect.
    public var isTraining = true

    /// Pooling to `outputSize` (global average pooling by default).
    public init(outputSize: [Int] = [1]) {
        precondition(outputSize.allSatisfy { $0 >= 1 }, "adaptive pooling needs positive output extents")
        self.outputSize = outputSize
    }

    /// Averages every cell of every channel plane.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the rank does not match `outputSize`.
    public func forward(_ x: Variable) throws -> Variable {
        let rank = x.shape.count - 2
        let outSize = outputSize.count == 1 ? [Int](repeating: outputSize[0], count: max(0, rank)) : outputSize
        guard rank >= 1, outSize.count == rank else {
            throw NetworkError.shapeMismatch("adaptive pooling to \(outputSize) got \(x.shape)")
        }
        let size = Array(x.shape.dropFirst(2))
        let planes = x.shape[0] * x.shape[1], inPlane = size.reduce(1, *)
        let cells = adaptiveCells(size, outSize)
        let outPlane = cells.count, input = x.value.scalars
        let output = input.withUnsafeBufferPointer { v in
            [Float].filled(planes * outPlane) { out in
                guard inPlane > 0 else { return }
                for p in 0..<planes {
                    for (o, members) in cells.enumerated() {
                        let base = v.baseAddress! + p * inPlane
                        out[p * outPlane + o] = members.isEmpty
                            ? Kernels.sum(base, inPlane) / Float(inPlane)
                            : members.reduce(Float(0)) { $0 + base[$1] } / Float(members.count)
                    }
                }
            }
        }
        return result(Tensor(shape: Array(x.shape.prefix(2)) + outSize, scalars: output), [x], operation: "adaptive average pool") { g in
            x.accumulateGradient(zeroed: true) { dx in
                for p in 0..<planes {
                    for (o, members) in cells.enumerated() {
                        let base = p * inPlane
                        if members.isEmpty {
                            let share = g[p * outPlane + o] / Float(inPlane)
                            for i in base..<(base + inPlane) { dx[i] = share }
                        } else {
                            let share = g[p * outPlane + o] / Float(members.count)
                            for m in members { dx[base + m] += share }
                        }
                    }
                }
            }
        }
    }
}

/// Global average pooling: `[B, C, spatial…]` → `[B, C, 1, …, 1]`.
public typealias GlobalAveragePooling = AdaptiveAveragePooling

/// The input offsets averaged by each output cell of an adaptive pool; the single cell of a
/// global pool is empty, meaning the whole plane (summed as one contiguous run).
private func adaptiveCells(_ size: [Int], _ outSize: [Int]) -> [[Int]] {
    if outSize.allSatisfy({ $0 == 1 }) { return [[]] }
    var cells: [[Int]] = [[0]]
    for a in size.indices {
        let axisStride = size[(a + 1)...].reduce(1, *)
        let bins = (0..<outSize[a]).map { i in (i * size[a] / outSize[a])..<(((i + 1) * size[a] + outSize[a] - 1) / outSize[a]) }
        cells = cells.flatMap { members in bins.map { bin in members.flatMap { m in bin.map { m + $0 * axisStride } } } }
    }
    return cells
}
