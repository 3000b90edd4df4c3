import GridCore
import Testing
import TestSupport

/// ``Padding`` and ``Grid/padded(low:high:mode:)`` against naive per-index padding, and the
/// backward pass as the exact adjoint of the forward pass.
@Suite struct PaddingTests {
    /// Where padded coordinate `index` reads from on an axis of extent `n`, or `nil` for a zero,
    /// written from the definitions: `0 0 | a b c | 0 0`, `c b | a b c | b a`, `a a | a b c | c c`,
    /// `b c | a b c | a b`.
    static func naiveSource(_ index: Int, extent n: Int, mode: PaddingMode) -> Int? {
        if (0..<n).contains(index) { return index }
        switch mode {
        case .zeros: return nil
        case .replicate: return index < 0 ? 0 : n - 1
        case .circular:
            var i = index
            while i < 0 { i += n }
            return i % n
        case .reflect: return index < 0 ? -index : (n - 1) - (index - (n - 1))
        }
    }

    /// Seeded random shapes of rank 1–3 with asymmetric padding valid for `mode` (< extent).
    static func shapes(mode: PaddingMode, seed: UInt64) -> [(shape: [Int], low: [Int], high: [Int])] {
        var random = TestRandom(seed: seed)
        return (1...3).flatMap { rank in
            (0..<3).map { _ in
                let shape = (0..<rank).map { _ in random.int(in: 2...5) }
                return (shape, shape.map { random.int(in: 0...($0 - 1)) }, shape.map { random.int(in: 0...($0 - 1)) })
            }
        }
    }

    @Test(arguments: PaddingMode.allCases)
    func paddedMatchesNaiveIndexing(_ mode: PaddingMode) throws {
        var random = TestRandom(seed: 9)
        for (shape, low, high) in Self.shapes(mode: mode, seed: 10) {
            let x = random.values(shape.reduce(1, *))
            let padded = try pad(x, shape: shape, low: low, high: high, mode: mode)
            let outShape = shape.indices.map { shape[$0] + low[$0] + high[$0] }
            #expect(padded.dims == outShape)
            for (offset, index) in allIndices(outShape).enumerated() {
                var source = 0
                var isZero = false
                for a in shape.indices {
                    guard let s = Self.naiveSource(index[a] - low[a], extent: shape[a], mode: mode) else {
                        isZero = true
                        break
                    }
                    source = source * shape[a] + s
                }
                #expect(padded.scalars[offset] == (isZero ? 0 : x[source]), "\(shape) \(low)/\(high) at \(index)")
            }
        }
    }

    /// `⟨P x, y⟩ = ⟨x, Pᵀ y⟩` in `Double` for random `x`, `y`; both sides sum the same products in
    /// a different order, so they agree to `Float` rounding of the inputs (1e-12 relative in `Double`).
    @Test(arguments: PaddingMode.allCases)
    func backwardIsTheAdjoint(_ mode: PaddingMode) throws {
        var random = TestRandom(seed: 11)
        for (shape, low, high) in Self.shapes(mode: mode, seed: 12) {
            let padding = try Padding(inputShape: shape, low: low, high: high, mode: mode)
            let x = random.values(shape.reduce(1, *)), y = random.values(padding.outputShape.reduce(1, *))
            var px = [Float](repeating: .nan, count: y.count)
            var pty = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { x in px.withUnsafeMutableBufferPointer { padding.forward(x, into: $0) } }
            y.withUnsafeBufferPointer { y in pty.withUnsafeMutableBufferPointer { padding.backward(y, into: $0) } }
            let lhs = zip(px, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, pty).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(lhs - rhs) <= 1e-6 * Swift.max(1, abs(lhs)), "\(shape) \(low)/\(high)")
        }
    }

    @Test func invalidPaddingThrows() {
        #expect(throws: GridError.self) { try Padding(inputShape: [3], low: [3], high: [0], mode: .reflect) }
        #expect(throws: GridError.self) { try Padding(inputShape: [3], low: [0], high: [4], mode: .circular) }
        #expect(throws: GridError.self) { try Padding(inputShape: [3, 3], low: [1], high: [1], mode: .zeros) }
        #expect(throws: GridError.self) { try Padding(inputShape: [3], low: [-1], high: [0], mode: .zeros) }
        #expect(throws: GridError.self) { try Padding(inputShape: [0], low: [1], high: [0], mode: .replicate) }
        #expect(throws: Never.self) { try Padding(inputShape: [3], low: [3], high: [3], mode: .circular) }
        #expect(throws: Never.self) { try Padding(inputShape: [3], low: [2], high: [2], mode: .reflect) }
    }

    private func pad(_ x: [Float], shape: [Int], low: [Int], high: [Int], mode: PaddingMode) throws -> (dims: [Int], scalars: [Float]) {
        func run<let N: Int>(_: Grid<N>.Type) throws -> (dims: [Int], scalars: [Float]) {
            let grid = try Grid<N>(dims: shape, scalars: x)
            let padded = try grid.padded(low: InlineArray { low[$0] }, high: InlineArray { high[$0] }, mode: mode)
            return (padded.dims, padded.scalars)
        }
        switch shape.count {
        case 1: return try run(Grid<1>.self)
        case 2: return try run(Grid<2>.self)
        default: return try run(Grid<3>.self)
        }
    }
}
