/// Channels `[start, start + count)` of a `[B, C, …]` tensor.
/// - Throws: ``NetworkError/shapeMismatch(_:)`` when the range leaves the channel axis.
public func channels(_ x: Variable, _ range: Range<Int>) throws -> Variable {
    guard x.shape.count >= 2, range.lowerBound >= 0, range.upperBound <= x.shape[1] else {
        throw NetworkError.shapeMismatch("channels \(range) of \(x.shape)")
    }
    let batch = x.shape[0], total = x.shape[1]
    let plane = x.value.count / max(1, batch * total)
    var shape = x.shape
    shape[1] = range.count
    var output = [Float]()
    output.reserveCapacity(batch * range.count * plane)
    for b in 0..<batch {
        output += x.value.scalars[((b * total + range.lowerBound) * plane)..<((b * total + range.upperBound) * plane)]
    }
    return result(Tensor(shape: shape, scalars: output), [x]) { g in
        guard x.requiresGrad else { return }
        var delta = [Float](repeating: 0, count: x.value.count)
        for b in 0..<batch {
            let source = b * range.count * plane, target = (b * total + range.lowerBound) * plane
            for i in 0..<(range.count * plane) { delta[target + i] = g[source + i] }
        }
        x.accumulate(delta)
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
    var output = [Float]()
    output.reserveCapacity(batch * total)
    for b in 0..<batch {
        for (p, width) in zip(parts, widths) { output += p.value.scalars[(b * width)..<((b + 1) * width)] }
    }
    var shape = first.shape
    shape[1] = parts.reduce(0) { $0 + $1.shape[1] }
    return result(Tensor(shape: shape, scalars: output), parts) { g in
        var offset = 0
        for (p, width) in zip(parts, widths) {
            if p.requiresGrad {
                var delta = [Float](repeating: 0, count: batch * width)
                for b in 0..<batch { for i in 0..<width { delta[b * width + i] = g[b * total + offset + i] } }
                p.accumulate(delta)
            }
            offset += width
        }
    }
}
