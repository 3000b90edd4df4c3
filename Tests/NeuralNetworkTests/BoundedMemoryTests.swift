import Testing
import NeuralNetwork
import WeightedConvolution
#if canImport(Glibc)
import Glibc
#endif

/// A layer called on inputs of ever-changing sizes reaches a steady memory use: prepared engines
/// and idle scratch buffers are bounded by ``ConvolutionMemory``'s limits. The test runs in a
/// child process (an exit test) so that other tests' allocations do not count.
@Suite struct BoundedMemoryTests {
    /// 200 distinct image sides, forward and backward of a weighted 3×3 layer each, with limits of
    /// 4 MiB of engines and 8 MiB of workspace: resident memory grows by less than 40 MiB. Without
    /// eviction the engines' offset tables alone grow by ≈ 60 MiB and the idle buffers by more.
    @Test func layerOnTwoHundredShapesStaysUnderTheBound() async {
        await #expect(processExitsWith: .success) {
            ConvolutionMemory.engineCacheLimit = 4 << 20
            ConvolutionMemory.workspaceLimit = 8 << 20
            let conv = Convolution(
                inChannels: 4, outChannels: 4, kernelSize: [3, 3], options: .init(padding: .same),
                density: .symmetric([0.5]), seed: 1)
            func step(side: Int) throws {
                let x = Variable(Tensor(shape: [1, 4, side, side], repeating: 0.5), requiresGrad: true)
                let y = try conv(x)
                try Loss.meanSquaredError(y, target: Tensor(shape: y.shape, repeating: 0)).backward()
            }
            try step(side: 238)  // the largest shapes once, so that the heap has grown to its working size
            try step(side: 239)
            let start = residentBytes()
            for side in 40..<240 { try step(side: side) }
            let growth = residentBytes() - start
            precondition(growth < 40 << 20, "resident memory grew by \(growth >> 20) MiB over 200 shapes")
        }
    }
}

/// The resident set of this process, in bytes (`/proc/self/statm`: sizes in pages, the second
/// field is the resident one).
private func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { preconditionFailure("cannot read /proc/self/statm") }
    defer { fclose(file) }
    var text = [UInt8](repeating: 0, count: 256)
    let read = fread(&text, 1, text.count - 1, file)
    let fields = String(decoding: text[..<read], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { preconditionFailure("unexpected /proc/self/statm") }
    return pages * sysconf(Int32(_SC_PAGESIZE))
}
