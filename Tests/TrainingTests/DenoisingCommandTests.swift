import Datasets
import Foundation
import Testing
import TestSupport
import Training

/// `wconv train`, `eval` and `denoise` on tiny image folders: eval accepts what train accepts and
/// checks it before writing anything, SSIM of images under 11 pixels, files named in errors, and
/// no output over an input. Runs the `wconv` built beside the tests (release: a debug one trains
/// too slowly).
@Suite(.serialized) struct DenoisingCommandTests {
    static let ready = WConvTool.isBuilt && !isDebugBuild

    /// A new empty temporary folder.
    static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "wconv-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A grey PNG of `side`×`side` with a gradient.
    static func png(_ path: String, side: Int) throws {
        let pixels = (0..<(side * side)).map { Float(($0 * 37) % 101) / 100 }
        try Image(channels: 1, height: side, width: side, pixels: pixels).writePNG(to: path)
    }

    /// A tiny DnCNN trained on 6×6 images with 4-pixel patches: the options and the weights file.
    static func trained(_ root: String) throws -> (options: [String], weights: String) {
        for (folder, sides) in [("train", [6, 7, 6]), ("valid", [6, 5])] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            for (index, side) in sides.enumerated() { try png("\(root)/\(folder)/i\(index).png", side: side) }
        }
        let options = ["--task", "denoising", "--dataset", "folder", "--data-dir", root + "/train", "--validation-dir", root + "/valid",
                       "--downscale", "1", "--patch-size", "4", "--depth", "2", "--width", "4", "--kernel-size", "3", "--den", "0.5",
                       "--batch-size", "4", "--patches-per-epoch", "8", "--eval-patches", "4", "--threads", "1"]
        let run = try WConvTool.run(["train"] + options + ["--epochs", "1", "--output", root + "/run"])
        #expect(run.status == 0, "\(run.log)")
        return (options, root + "/run/model.safetensors")
    }

    @Test(.enabled(if: ready, "needs a release wconv beside the tests"))
    func evalTakesWhatTrainTakesAndMeasuresSmallImages() throws {
        let root = Self.temporaryFolder("eval-small")
        let (options, weights) = try Self.trained(root)
        let eval = try WConvTool.run(["eval"] + options + ["--weights", weights, "--images", "2", "--output", root + "/eval"])
        #expect(eval.status == 0, "\(eval.log)")
        #expect(eval.output.contains("image 1 (5×5)") && eval.output.contains("(5×5 window: the image is smaller than 11×11)"), "\(eval.log)")
        #expect(!eval.output.lowercased().contains("nan"), "\(eval.log)")
        // An image smaller than a patch: refused by name before anything is written, as train refuses it.
        try Self.png(root + "/valid/tiny.png", side: 3)
        let refused = try WConvTool.run(["eval"] + options + ["--weights", weights, "--output", root + "/eval-refused"])
        #expect(refused.status != 0 && refused.errors.contains(root + "/valid/tiny.png: 3×3 is smaller than a 4-pixel patch"), "\(refused.log)")
        #expect(!FileManager.default.fileExists(atPath: root + "/eval-refused"))
        let train = try WConvTool.run(["train"] + options + ["--epochs", "1", "--output", root + "/run-refused"])
        #expect(train.status != 0 && train.errors.contains("tiny.png: 3×3 is smaller than a 4-pixel patch"), "\(train.log)")
    }

    @Test(.enabled(if: ready, "needs a release wconv beside the tests"))
    func denoiseNeverWritesOverItsInput() throws {
        let root = Self.temporaryFolder("denoise-input")
        let (options, weights) = try Self.trained(root)
        let input = root + "/a.png"
        try Self.png(input, side: 8)
        let original = try Data(contentsOf: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: root + "/link.png", withDestinationPath: input)
        for output in [input, root + "/./a.png", root + "/link.png"] {
            let run = try WConvTool.run(["denoise"] + options + ["--weights", weights, "--input", input, "--output-image", output])
            #expect(run.status != 0 && run.errors.contains("is both an input and an output"), "\(output): \(run.log)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
        }
        let run = try WConvTool.run(["denoise"] + options + ["--weights", weights, "--input", input, "--output-image", root + "/b.png"])
        #expect(run.status == 0, "\(run.log)")
    }
}
