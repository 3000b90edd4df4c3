import GridCore
import Synchronization
import Testing
import WeightedConvolution
import TestSupport

/// The thread count: slices of parallel loops, and convolutions that agree whatever the count.
@Suite(.serialized) struct ComputeThreadsTests {
    /// Runs `body` with ``ComputeThreads/count`` set to `count`, restoring it afterwards.
    func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let saved = ComputeThreads.count
        ComputeThreads.count = count
        defer { ComputeThreads.count = saved }
        return try body()
    }

    @Test(arguments: [1, 2, 3])
    func slicesCoverTheRangeOnce(threads: Int) {
        for count in [0, 1, 2, 5, 1001] {
            let slices = withThreads(threads) {
                let slices = Mutex<[Range<Int>]>([])
                ComputeThreads.split(count) { slice in slices.withLock { $0.append(slice) } }
                return slices.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            }
            #expect(slices.count == min(threads, count))
            #expect(slices.flatMap { Array($0) } == Array(0..<count))
        }
    }

    @Test func countIsAtLeastOne() {
        withThreads(0) { #expect(ComputeThreads.count == 1) }
        #expect(ComputeThreads.processorCount >= 1)
    }

    /// Forward and backward of a batch that the engines spread over workers agree on one thread
    /// and on three (up to the order of the kernel gradient's sums; other suites check each
    /// against the naive reference).
    @Test(arguments: [ConvolutionMethod.direct, .fft])
    func resultsDoNotDependOnTheThreadCount(method: ConvolutionMethod) throws {
        let inputShape = [6, 4, 11, 9], weightShape = [5, 4, 3, 3]
        var random = TestRandom(seed: 7)
        let x = random.values(inputShape.reduce(1, *)), w = random.values(weightShape.reduce(1, *))
        let conv = WeightedConvolution(density: .symmetric([0.4]), options: .init(padding: .same, method: method))
        let run = { (threads: Int) in
            try withThreads(threads) {
                try x.withUnsafeBufferPointer { x in
                    try w.withUnsafeBufferPointer { w in
                        let y = try conv.forward(input: x, inputShape: inputShape, weight: w, weightShape: weightShape, bias: nil)
                        let g = try y.output.withUnsafeBufferPointer {
                            try conv.backward(input: x, inputShape: inputShape, weight: w, weightShape: weightShape, gradOutput: $0)
                        }
                        return (y.output, g.weight, g.input!)
                    }
                }
            }
        }
        let one = try run(1), three = try run(3)
        #expect(relativeError(three.0, one.0.map(Double.init)) < 1e-6)
        #expect(relativeError(three.1, one.1.map(Double.init)) < 1e-5)
        #expect(relativeError(three.2, one.2.map(Double.init)) < 1e-6)
    }
}
