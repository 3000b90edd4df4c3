import GridCore
import Testing
import WeightedConvolution

/// Programmer errors stop the process in every build configuration (the package has no
/// `-Ounchecked`): mismatched grid arithmetic and raw buffers of the wrong length given to a
/// prepared operator trap instead of reading past the end of a buffer.
@Suite struct SafetyCheckTests {
    @Test func mismatchedGridArithmeticTraps() async {
        await #expect(processExitsWith: .failure) {
            let long = Grid<1>(shape: [8], repeating: 1), short = Grid<1>(shape: [2], repeating: 1)
            _ = long + short
        }
        await #expect(processExitsWith: .failure) {
            var long = Grid<1>(shape: [8], repeating: 1)
            long += Grid<1>(shape: [2], repeating: 1)
        }
    }

    @Test func mismatchedGridArithmeticThrowsThroughZip() {
        let long = Grid<1>(shape: [8], repeating: 1), short = Grid<1>(shape: [2], repeating: 1)
        #expect(throws: GridError.self) { try long.zip(short, +) }
    }

    @Test func operatorBuffersOfTheWrongLengthTrap() async {
        await #expect(processExitsWith: .failure) {
            let conv = try ConvolutionOperator(inputShape: [1, 1, 8], kernelShape: [1, 1, 3], options: .init())
            let input = [Float](repeating: 1, count: 4), kernel = [Float](repeating: 1, count: 3)
            var output = [Float](repeating: 0, count: 6)
            input.withUnsafeBufferPointer { x in
                kernel.withUnsafeBufferPointer { k in
                    output.withUnsafeMutableBufferPointer { conv.forward(input: x, kernel: k, bias: nil, output: $0) }
                }
            }
        }
    }
}
