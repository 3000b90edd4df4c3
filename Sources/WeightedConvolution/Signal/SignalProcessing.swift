import GridCore

/// How much of a full correlation or convolution of two signals is kept (scipy.signal's modes).
public enum SignalMode: String, Sendable, CaseIterable {
    /// Every position where the signals overlap: extent `n + k − 1` per axis.
    case full
    /// The size of the first signal, centred on the full result as scipy does.
    case same
    /// Only positions where one signal lies entirely within the other: `|n − k| + 1` per axis.
    case valid
}

/// The cross-correlation `z[p] = Σ_q a[p + q − offset] · b[q]` of two signals of the same rank
/// (no batch or channel axes), as `scipy.signal.correlate`.
///
/// ```swift
/// let z = try correlate(Grid<1>(dims: [5], scalars: [1, 2, 3, 4, 5]), Grid<1>(dims: [2], scalars: [1, 1]), mode: .valid)
/// // [3, 5, 7, 9]
/// ```
/// - Parameters:
///   - a: the signal.
///   - b: the signal slid over `a` (unflipped).
///   - mode: `.full`, `.same` (the first signal's size) or `.valid`.
///   - method: `.auto` (cost model), `.direct`, `.fft` or `.measure`.
/// - Returns: the correlation, of the size `mode` describes.
/// - Throws: ``ConvolutionError`` for empty signals, or `.valid` when neither signal contains the
///   other on every axis.
/// - Complexity: that of the chosen path (direct `O(∏n·∏k)`, FFT `O(∏L·log ∏L)`).
public func correlate<let N: Int>(
    _ a: Grid<N>, _ b: Grid<N>, mode: SignalMode = .full, method: ConvolutionMethod = .auto
) throws(ConvolutionError) -> Grid<N> {
    try signalCorrelation(a, b, mode: mode, method: method, flip: false)
}

/// The convolution `z[p] = Σ_q a[p − q + offset] · b[q]` of two signals of the same rank, as
/// `scipy.signal.convolve` (the correlation with the second signal reversed on every axis).
/// - Throws: ``ConvolutionError`` as ``correlate(_:_:mode:method:)``.
public func convolve<let N: Int>(
    _ a: Grid<N>, _ b: Grid<N>, mode: SignalMode = .full, method: ConvolutionMethod = .auto
) throws(ConvolutionError) -> Grid<N> {
    try signalCorrelation(a, b, mode: mode, method: method, flip: true)
}

/// The operator `correlate`/`convolve` run for signals of extents `signal` and `kernel` in
/// `mode`: a `[1, 1, n…]` input and a `[1, 1, k…]` kernel, padded so that it computes exactly the
/// positions `mode` keeps — `full` pads by `k − 1` on each side, `same` by `k − 1 − ⌊(k − 1)/2⌋`
/// before and `⌊(k − 1)/2⌋` after (scipy's centring), `valid` not at all. Its
/// ``ConvolutionOperator/method`` is the path that runs (`.direct`, `.fft` for whole-signal
/// transforms, `.overlap` for blocks).
/// - Parameters:
///   - n: the first signal's extents (argument `signal`) (`valid` mode: it must contain the kernel).
///   - k: the second signal's extents (argument `kernel`), one per axis of the first.
///   - mode: `.full`, `.same` or `.valid`.
///   - method: the method asked for.
/// - Returns: the prepared operator; its output extents are `geometry.outputSize`.
/// - Throws: ``ConvolutionError`` when the extents do not describe a correlation in `mode`.
package func signalOperator(
    signal n: [Int], kernel k: [Int], mode: SignalMode, method: ConvolutionMethod = .auto
) throws(ConvolutionError) -> ConvolutionOperator {
    guard n.count == k.count else { throw .shapeMismatch("signals of one rank expected, got \(n) and \(k)") }
    let low: [Int], high: [Int]
    switch mode {
    case .full: (low, high) = (k.map { $0 - 1 }, k.map { $0 - 1 })
    case .same: (low, high) = (k.map { $0 - 1 - ($0 - 1) / 2 }, k.map { ($0 - 1) / 2 })
    case .valid: (low, high) = (k.map { _ in 0 }, k.map { _ in 0 })
    }
    let options = ConvolutionOptions(padding: .explicit(low: low, high: high), method: method)
    return try ConvolutionOperator(inputShape: [1, 1] + n, kernelShape: [1, 1] + k, options: options)
}

/// Both signal operations through the rank-erased operator (``signalOperator``): `a` becomes a
/// `[1, 1, n…]` input and `b` (reversed for a convolution) a `[1, 1, k…]` kernel.
/// When `b` is larger than `a` on every axis in `valid` mode, the roles are swapped (correlation
/// is then reversed, as in scipy).
private func signalCorrelation<let N: Int>(
    _ a: Grid<N>, _ b: Grid<N>, mode: SignalMode, method: ConvolutionMethod, flip: Bool
) throws(ConvolutionError) -> Grid<N> {
    let n = a.dims, k = b.dims
    guard a.count > 0, b.count > 0 else { throw .shapeMismatch("signals must not be empty: \(n) and \(k)") }
    if mode == .valid {
        let aContainsB = zip(n, k).allSatisfy { $0 >= $1 }, bContainsA = zip(n, k).allSatisfy { $0 <= $1 }
        guard aContainsB || bContainsA else {
            throw .shapeMismatch("valid mode needs one signal to contain the other on every axis, got \(n) and \(k)")
        }
        if !aContainsB {
            // scipy: correlate(a, b, valid) with b larger = reverse(correlate(b, a, valid)).
            let swapped = try signalCorrelation(b, a, mode: .valid, method: method, flip: flip)
            return flip ? swapped : reversed(swapped)
        }
    }
    let kernel = flip ? reversed(b) : b
    let op = try signalOperator(signal: n, kernel: k, mode: mode, method: method), size = op.geometry.outputSize
    var output = [Float](repeating: 0, count: size.reduce(1, *))
    a.withUnsafeBufferPointer { x in
        kernel.withUnsafeBufferPointer { w in
            output.withUnsafeMutableBufferPointer { op.forward(input: x, kernel: w, bias: nil, output: $0) }
        }
    }
    do {
        return try Grid<N>(dims: size, scalars: output)
    } catch {
        throw .shapeMismatch(error.description)
    }
}

/// The grid reversed along every axis.
private func reversed<let N: Int>(_ g: Grid<N>) -> Grid<N> {
    var result = g
    let dims = g.dims
    result.withUnsafeMutableBufferPointer { out in
        g.withUnsafeBufferPointer { input in
            for i in 0..<input.count {
                var rest = i, target = 0
                var stride = input.count
                for extent in dims {
                    stride /= extent
                    let index = rest / stride
                    rest %= stride
                    target = target * extent + (extent - 1 - index)
                }
                out[target] = input[i]
            }
        }
    }
    return result
}
