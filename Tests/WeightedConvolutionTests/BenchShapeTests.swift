import Foundation
import Testing
import TestSupport
import WeightedConvolution

/// The layers of `wconv bench conv`: their flops counted by hand, and the PyTorch script reading
/// the very layers the bench's table lists.
@Suite struct BenchShapeTests {
    /// `2·B·Cout·(Cin/g)·∏k·∏y` on strided layers and layers that change the channel count, against
    /// counts by hand: ResNet-18's first stride-2 3×3 layer, its 1×1 stride-2 projection and
    /// VGG-16's 512-channel layer on 2×2 maps.
    @Test func forwardFlopsByHand() throws {
        func flops(_ input: [Int], _ kernel: [Int], stride: Int, padding: Int) throws -> Double {
            try ConvolutionGeometry(inputShape: input, kernelShape: kernel,
                                    options: .init(stride: [stride], padding: .symmetric([padding]))).forwardFlops
        }
        // 64 images × 128 outputs × 16·16 positions × 64 inputs × 9 taps, one multiply and one add each.
        #expect(try flops([64, 64, 32, 32], [128, 64, 3, 3], stride: 2, padding: 1) == 2 * 64 * 128 * 256 * 64 * 9)
        #expect(try flops([64, 64, 32, 32], [128, 64, 1, 1], stride: 2, padding: 0) == 268_435_456)
        #expect(try flops([64, 128, 16, 16], [256, 128, 1, 1], stride: 2, padding: 0) == 2 * 64 * 256 * 64 * 128)
        #expect(try flops([64, 512, 2, 2], [512, 512, 3, 3], stride: 1, padding: 1) == 1_207_959_552)
    }

    /// `wconv bench conv --shapes all --list` and `scripts/conv_shape.py` (the parser of
    /// `pytorch-bench.py conv --shape`) give every layer the same kernel, output shape and flops,
    /// and the list holds every distinct 3×3 and 1×1 layer of VGG-16 and ResNet-18 on 32×32.
    @Test(.enabled(if: WConvTool.isBuilt && !isDebugBuild, "needs a release wconv beside the tests"),
          .enabled(if: Self.python() != nil, "needs python3"))
    func pytorchScriptReadsTheSameLayers() throws {
        let listed = try WConvTool.run(["bench", "conv", "--shapes", "all", "--extra", "--list"])
        #expect(listed.status == 0, "\(listed.log)")
        let rows = listed.output.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
        let specs = rows.map { String($0[0]) }
        for layer in [
            "64,3,32,32:64:3:1:1:1", "64,64,16,16:128:3:1:1:1", "64,128,8,8:256:3:1:1:1", "64,256,4,4:512:3:1:1:1",
            "64,512,4,4:512:3:1:1:1", "64,512,2,2:512:3:1:1:1", "64,64,32,32:128:3:2:1:1", "64,128,16,16:256:3:2:1:1",
            "64,256,8,8:512:3:2:1:1", "64,64,32,32:128:1:2:0:1", "64,128,16,16:256:1:2:0:1", "64,256,8,8:512:1:2:0:1",
            "16,64,64,64:64:3:1:1:64",
        ] { #expect(specs.contains(layer), "\(layer) not listed") }
        let script = try Self.runPython([WConvTool.packageFolder + "/scripts/conv_shape.py"] + specs)
        let theirs = script.split(separator: "\n").map(String.init)
        #expect(theirs == rows.map { $0.prefix(4).joined(separator: " ") })
    }

    /// The path of `python3` on the `PATH`, if any.
    static func python() -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The standard output of `python3 arguments…`.
    static func runPython(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python() ?? "/usr/bin/python3")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }
}
