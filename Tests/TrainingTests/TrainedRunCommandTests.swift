import Datasets
import Foundation
import TestSupport
import Testing

/// `wconv eval RUN_DIR` and `wconv denoise --run RUN_DIR` on tiny runs this test trains: the run's
/// model, data, kernel, density and normalisation come from its folder; an option that
/// contradicts the weights is an error that says what the run was trained as.
@Suite(.serialized) struct TrainedRunCommandTests {
    static let ready = WConvTool.isBuilt && !isDebugBuild
    static let reason: Comment = "needs a release wconv beside the tests (a debug one trains too slowly)"

    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "wconv-run-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// CIFAR-style record files of random images: `count` records per file, labels below `classes`.
    static func writeCIFAR(_ files: [String], in folder: String, labelBytes: Int, classes: Int, count: Int) throws {
        var random = TestRandom(seed: 7)
        for file in files {
            var bytes: [UInt8] = []
            for _ in 0..<count {
                bytes += (0..<labelBytes).map { _ in UInt8(random.int(in: 0...(classes - 1))) }
                bytes += (0..<3072).map { _ in UInt8(random.int(in: 0...255)) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + file))
        }
    }

    @Test(.enabled(if: ready, reason)) func evaluatesAClassificationRunFromItsFolder() throws {
        let data = try Self.folder("cifar10"), other = try Self.folder("cifar100"), run = try Self.folder("vgg")
        defer { for path in [data, other, run] { try? FileManager.default.removeItem(atPath: path) } }
        try Self.writeCIFAR((1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"], in: data, labelBytes: 1, classes: 10, count: 4)
        try Self.writeCIFAR(["train.bin", "test.bin"], in: other, labelBytes: 2, classes: 100, count: 4)
        let train = try WConvTool.run(["train", "--task", "classification", "--dataset", "cifar10", "--data-dir", data, "--den", "0.5",
                                       "--batch-size", "10", "--epochs", "1", "--threads", "1", "--output", run])
        try #require(train.status == 0, "\(train.log)")

        let eval = try WConvTool.run(["eval", run, "--threads", "1"])
        #expect(eval.status == 0 && eval.output.contains("accuracy") && eval.output.contains("on 4 images"), "\(eval.log)")
        // The old way, every option restated, still works.
        let restated = try WConvTool.run(["eval", "--weights", run + "/model.safetensors", "--dataset", "cifar10", "--data-dir", data,
                                          "--den", "0.5", "--threads", "1", "--output", run + "/eval"])
        #expect(restated.status == 0 && restated.output == eval.output, "\(restated.log)")

        let trainedAs = "was trained as classification with vgg-small on cifar10 (10 classes), kernel 3, weighted convolution"
        for contradiction in [["--model", "resnet20"], ["--conv", "standard"], ["--dataset", "cifar100", "--data-dir", other]] {
            let wrong = try WConvTool.run(["eval", run, "--threads", "1"] + contradiction)
            #expect(wrong.status != 0 && wrong.errors.contains(trainedAs), "\(contradiction): \(wrong.log)")
            if contradiction[0] == "--dataset" { #expect(wrong.errors.contains("ask for classification with vgg-small on cifar100 (100 classes)")) }
        }
        let denoise = try WConvTool.run(["denoise", "--run", run, "--input", "x.png", "--output-image", run + "/y.png"])
        #expect(denoise.status != 0 && denoise.errors.contains("not for denoising"), "\(denoise.log)")
        let missing = try WConvTool.run(["eval", data])
        #expect(missing.status != 0 && missing.errors.contains("config.json: no such file"), "\(missing.log)")
    }

    @Test(.enabled(if: ready, reason)) func evaluatesAndAppliesADenoisingRunFromItsFolder() throws {
        let data = try Self.folder("photos"), run = try Self.folder("dncnn")
        defer { for path in [data, run] { try? FileManager.default.removeItem(atPath: path) } }
        var random = TestRandom(seed: 3)
        for index in 0..<3 {
            let pixels = random.values(24 * 24).map { 0.5 + 0.5 * $0 }
            try Image(channels: 1, height: 24, width: 24, pixels: pixels).writePNG(to: data + "/image\(index).png")
        }
        let train = try WConvTool.run(["train", "--task", "denoising", "--dataset", "folder", "--data-dir", data, "--downscale", "1",
                                       "--den", "0.5", "--depth", "2", "--width", "4", "--patch-size", "8", "--patches-per-epoch", "8",
                                       "--eval-patches", "4", "--batch-size", "4", "--sigma", "40", "--epochs", "1", "--threads", "1",
                                       "--output", run])
        try #require(train.status == 0, "\(train.log)")

        let eval = try WConvTool.run(["eval", run, "--images", "1", "--threads", "1"])
        #expect(eval.status == 0 && eval.output.contains("PSNR"), "\(eval.log)")
        #expect(FileManager.default.fileExists(atPath: run + "/eval/image0-denoised.png"))

        let output = run + "/denoised.png"
        let denoise = try WConvTool.run(["denoise", "--run", run, "--input", data + "/image0.png", "--output-image", output,
                                         "--add-noise", "--threads", "1"])
        #expect(denoise.status == 0 && denoise.output.contains("PSNR"), "\(denoise.log)")
        #expect(try Image.read(output).width == 24)

        let wider = try WConvTool.run(["denoise", "--run", run, "--width", "8", "--input", data + "/image0.png", "--output-image", output])
        #expect(wider.status != 0 && wider.errors.contains("was trained as denoising with dncnn (depth 2, width 4) on folder (grey)"),
                "\(wider.log)")
    }
}
