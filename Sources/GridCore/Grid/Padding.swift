/// How values outside a grid are defined when it is padded.
public enum PaddingMode: String, Sendable, CaseIterable, Codable {
    /// Zeros outside: `0 0 | a b c | 0 0`.
    case zeros
    /// Mirror without repeating the edge: `c b | a b c | b a` (needs padding < extent).
    case reflect
    /// Repeat the edge value: `a a | a b c | c c`.
    case replicate
    /// Wrap around: `b c | a b c | a b` (needs padding ≤ extent).
    case circular
}

/// Rank-erased padding of a row-major array: forward (pad) and backward (fold the gradient back).
///
/// Each output index on an axis maps to one input index or to nothing (zero padding), so
/// padding is a gather and its adjoint a scatter-add over the same index tables.
public struct Padding: Sendable {
    /// The shape before padding.
    public let inputShape: [Int]
    /// The shape after padding: `inputShape[a] + low[a] + high[a]`.
    public let outputShape: [Int]
    /// Per axis, for each output index, the source index or -1 for a zero.
    private let sources: [[Int]]

    /// Prepares padding of `low[a]` elements before and `high[a]` after axis `a`.
    /// - Throws: ``GridError`` for mismatched lengths, negative padding, reflect padding that
    ///   reaches the extent, circular padding beyond the extent, or non-zero padding of an empty axis.
    public init(inputShape: [Int], low: [Int], high: [Int], mode: PaddingMode) throws(GridError) {
        guard low.count == inputShape.count, high.count == inputShape.count else {
            throw .shapeMismatch("padding \(low)/\(high) for a rank-\(inputShape.count) shape \(inputShape)")
        }
        var sources: [[Int]] = []
        for axis in inputShape.indices {
            let n = inputShape[axis], before = low[axis], after = high[axis]
            guard before >= 0, after >= 0 else {
                throw .invalidArgument("negative padding \(before)/\(after) on axis \(axis)")
            }
            let widest = Swift.max(before, after)
            switch mode {
            case .reflect where widest > 0 && widest >= n:
                throw .invalidArgument("reflect padding \(widest) must be smaller than the extent \(n) of axis \(axis)")
            case .circular where widest > n, .replicate where widest > 0 && n == 0:
                throw .invalidArgument("\(mode) padding \(widest) exceeds the extent \(n) of axis \(axis)")
            default: break
            }
            sources.append((-before ..< n + after).map { Self.source(of: $0, extent: n, mode: mode) })
        }
        self.inputShape = inputShape
        self.outputShape = zip(inputShape, zip(low, high)).map { $0 + $1.0 + $1.1 }
        self.sources = sources
    }

    private static func source(of index: Int, extent n: Int, mode: PaddingMode) -> Int {
        if index >= 0 && index < n { return index }
        switch mode {
        case .zeros: return -1
        case .replicate: return index < 0 ? 0 : n - 1
        case .circular: return ((index % n) + n) % n
        case .reflect: return index < 0 ? -index : 2 * (n - 1) - index
        }
    }

    /// Pads `input` (row-major, `inputShape`) into `output` (row-major, `outputShape`).
    /// - Precondition: the buffers hold exactly `inputShape` and `outputShape` elements.
    public func forward(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        checkCounts(input: input.count, output: output.count)
        visit { out, source in output[out] = source < 0 ? 0 : input[source] }
    }

    /// Adds the gradient of the padded grid back onto the gradient of the input (the adjoint).
    /// - Precondition: the buffers hold exactly `outputShape` and `inputShape` elements.
    public func backward(
        _ gradOutput: UnsafeBufferPointer<Float>, into gradInput: UnsafeMutableBufferPointer<Float>
    ) {
        checkCounts(input: gradInput.count, output: gradOutput.count)
        visit { out, source in if source >= 0 { gradInput[source] += gradOutput[out] } }
    }

    private func checkCounts(input: Int, output: Int) {
        precondition(input == inputShape.reduce(1, *), "padding input buffer has \(input) values, \(inputShape) needs \(inputShape.reduce(1, *))")
        precondition(output == outputShape.reduce(1, *), "padding output buffer has \(output) values, \(outputShape) needs \(outputShape.reduce(1, *))")
    }

    /// Calls `body(outputOffset, inputOffset or -1)` for every output element, in order.
    private func visit(_ body: (Int, Int) -> Void) {
        let rank = inputShape.count
        guard rank > 0, !outputShape.contains(0) else {
            if rank == 0 { body(0, 0) }
            return
        }
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            inputStrides[axis] = inputStrides[axis + 1] * inputShape[axis + 1]
        }
        let last = sources[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var out = 0
        while true {
            var base = 0
            var isZero = false
            for axis in 0..<(rank - 1) {
                let s = sources[axis][index[axis]]
                if s < 0 { isZero = true }
                base += s * inputStrides[axis]
            }
            for s in last {
                body(out, isZero || s < 0 ? -1 : base + s)
                out += 1
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outputShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

extension Grid {
    /// This grid padded by `low[a]` elements before and `high[a]` after each axis `a`.
    ///
    /// - Parameters:
    ///   - low: padding before each axis (N values).
    ///   - high: padding after each axis (N values).
    ///   - mode: how the new elements are defined.
    /// - Returns: a grid of shape `shape[a] + low[a] + high[a]`.
    /// - Throws: ``GridError`` as ``Padding/init(inputShape:low:high:mode:)`` does.
    /// - Complexity: O(count of the result).
    public func padded(
        low: InlineArray<N, Int>, high: InlineArray<N, Int>, mode: PaddingMode = .zeros
    ) throws(GridError) -> Grid {
        let padding = try Padding(inputShape: dims, low: Self.array(low), high: Self.array(high), mode: mode)
        var result = try Grid(dims: padding.outputShape)
        withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { padding.forward(input, into: $0) }
        }
        return result
    }
}
