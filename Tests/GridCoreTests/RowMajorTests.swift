import GridCore
import Testing
import TestSupport

/// The row-major walk against indices decoded from linear positions by division, on random
/// shapes of rank 0 to 4 (extents 0 to 4), and the offsets and strides it serves.
@Suite struct RowMajorTests {
    /// The multi-index at linear position `position` of `shape`, by repeated division.
    static func decoded(_ position: Int, _ shape: [Int]) -> [Int] {
        var remainder = position
        var index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() {
            index[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        return index
    }

    static func randomShapes() -> [[Int]] {
        var random = TestRandom(seed: 11)
        return (0..<40).map { _ in (0..<random.int(in: 0...4)).map { _ in random.int(in: 0...4) } } + [[], [0], [3, 0, 2], [1, 1, 1]]
    }

    @Test func walkVisitsEveryIndexOnceInRowMajorOrder() {
        for shape in Self.randomShapes() {
            var visited: [[Int]] = []
            RowMajor.forEachIndex(shape) { visited.append($0) }
            let count = shape.reduce(1, *)
            #expect(visited == (0..<count).map { Self.decoded($0, shape) }, "shape \(shape)")
        }
    }

    @Test func offsetsAreTheStepsDottedWithEachIndex() {
        var random = TestRandom(seed: 12)
        for shape in Self.randomShapes() {
            let steps = shape.map { _ in random.int(in: -5...9) }
            let base = random.int(in: -3...3)
            let expected = (0..<shape.reduce(1, *)).map { position in
                zip(Self.decoded(position, shape), steps).reduce(base) { $0 + $1.0 * $1.1 }
            }
            #expect(RowMajor.offsets(shape, steps: steps, base: base) == expected, "shape \(shape), steps \(steps)")
        }
    }

    @Test func stridesAddressEveryElementOnce() {
        for shape in Self.randomShapes() {
            let offsets = RowMajor.offsets(shape, steps: RowMajor.strides(shape))
            #expect(offsets == Array(0..<shape.reduce(1, *)), "shape \(shape)")
        }
    }
}
