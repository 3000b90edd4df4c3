import Datasets
import Foundation
import GridCore
import Testing
import TestSupport

/// `wconv compare`, `train`, `eval` and `tune` on the series, volume and image-folder tasks, end to
/// end on tiny files the tests write (a few seconds each). Runs the `wconv` built beside the tests
/// (release: a debug one trains too slowly).
@Suite(.serialized) struct EveryTaskCommandTests {
    static let ready = WConvTool.isBuilt && !isDebugBuild
    static let reason: Comment = "needs a release wconv beside the tests"

    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "wconv-task-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The options of a tiny run: one epoch, 3-tap kernels, one thread.
    static let tiny = ["--kernel-size", "3", "--den", "0.5", "--epochs", "1", "--threads", "1"]

    @Test(.enabled(if: ready, reason)) func seriesCompareTrainEvalAndTune() throws {
        let data = try Self.folder("ucr")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try SlopeSeries.write(data + "/Slopes_TRAIN.ts", count: 12, seed: 1)
        try SlopeSeries.write(data + "/Slopes_TEST.ts", count: 8, seed: 2)
        let series = ["--task", "series", "--problem", "Slopes", "--data-dir", data, "--batch-size", "4"] + Self.tiny
        let compare = try WConvTool.run(["compare"] + series + ["--arms", "standard,fixed,trainable", "--seeds", "1,2",
                                                                "--output", data + "/compare"])
        #expect(compare.status == 0 && compare.output.contains("series: series-small 3-tap on Slopes"), "\(compare.log)")
        #expect(FileManager.default.fileExists(atPath: data + "/compare/series/summary.json"))

        // Any pair of files, the FCN, then eval from the run's folder.
        let train = try WConvTool.run(["train", "--task", "series", "--data", data + "/Slopes_TRAIN.ts", "--test-data", data + "/Slopes_TEST.ts",
                                       "--model", "fcn", "--batch-size", "4", "--output", data + "/run"] + Self.tiny)
        #expect(train.status == 0 && train.output.contains("chance: 50.000"), "\(train.log)")
        let eval = try WConvTool.run(["eval", data + "/run", "--threads", "1"])
        #expect(eval.status == 0 && eval.output.contains("on 8 series"), "\(eval.log)")
        // Export: no ONNX graph for series (said so, nothing written), the folded weights as safetensors.
        let onnx = try WConvTool.run(["export", data + "/run"])
        #expect(onnx.status != 0 && onnx.errors.contains("image runs only") && !FileManager.default.fileExists(atPath: data + "/run/model.onnx"),
                "\(onnx.log)")
        let weights = try WConvTool.run(["export", data + "/run", "--format", "safetensors"])
        #expect(weights.status == 0, "\(weights.log)")
        #expect(try !SafeTensors.read(data + "/run/model-pytorch.safetensors").tensors.isEmpty)

        let study = series + ["--study", "slopes", "--output", data + "/tune", "--budget", "1", "--noise-seeds", "0", "--reevaluate", "0",
                              "--skip-final"]
        let tune = try WConvTool.run(["tune"] + study)
        #expect(tune.status == 0 && tune.output.contains("direct-l over [0.5, 1.5]"), "\(tune.log)")
        let resumed = try WConvTool.run(["tune"] + study + ["--resume"])
        #expect(resumed.status == 0 && resumed.errors.contains("(from the study file)"), "\(resumed.log)")

        let missing = try WConvTool.run(["train", "--task", "series", "--problem", "Nowhere", "--data-dir", data] + Self.tiny)
        #expect(missing.status != 0 && missing.errors.contains("run scripts/fetch-ucr"), "\(missing.log)")
        let alone = try WConvTool.run(["train", "--task", "series", "--data", data + "/Slopes_TRAIN.ts"] + Self.tiny)
        #expect(alone.status != 0 && alone.errors.contains("--data and --test-data go together"), "\(alone.log)")
        // A data option of another task is an error, not ignored.
        for (options, message) in [(["--task", "classification", "--problem", "Slopes"], "--problem is for --task series"),
                                   (["--task", "denoising", "--data", "x.nii"], "--data is for --task series or volume"),
                                   (["--task", "series", "--image-size", "8"], "--image-size is for --task classification --dataset folder")] {
            let wrong = try WConvTool.run(["train"] + options + Self.tiny)
            #expect(wrong.status != 0 && wrong.errors.contains(message), "\(options): \(wrong.log)")
        }
    }

    @Test(.enabled(if: ready, reason)) func volumeCompareReportsTheNoisyInput() throws {
        let data = try Self.folder("nifti")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let dims = [12, 16, 12]
        let voxels = try Grid<3>(dims: dims, scalars: (0..<(12 * 16 * 12)).map { i in
            let (x, y, z) = (i / (16 * 12), (i / 12) % 16, i % 12)
            return 100 + 50 * Float((x / 4 + y / 4 + z / 4) % 2)
        })
        try NIfTI.write(voxels, header: NIfTI.header(dimensions: dims), to: data + "/volume.nii")
        let volume = ["--task", "volume", "--data", data + "/volume.nii", "--downscale", "1", "--patch-size", "4", "--depth", "2",
                      "--width", "2", "--patches-per-epoch", "4", "--eval-patches", "2", "--batch-size", "2"] + Self.tiny
        let compare = try WConvTool.run(["compare"] + volume + ["--arms", "standard,fixed,trainable", "--seeds", "1,2",
                                                                "--output", data + "/compare"])
        #expect(compare.status == 0 && compare.output.contains("volume: dncnn 3×3×3 on volume.nii")
                && compare.output.contains("noisy input (clipped to [0, 1])"), "\(compare.log)")
        let train = try WConvTool.run(["train"] + volume + ["--output", data + "/run"])
        #expect(train.status == 0, "\(train.log)")
        let eval = try WConvTool.run(["eval", data + "/run", "--threads", "1"])
        #expect(eval.status == 0 && eval.output.contains("validation patches: PSNR"), "\(eval.log)")
        // The volume run denoises a volume into a NIfTI with the input's dimensions; an image is refused.
        let denoised = try WConvTool.run(["denoise", "--run", data + "/run", "--input", data + "/volume.nii", "--output", data + "/out.nii",
                                          "--threads", "1"])
        #expect(denoised.status == 0, "\(denoised.log)")
        #expect(try NIfTI.readVolume(data + "/out.nii").header.dimensions == dims)
        try Image(channels: 1, height: 8, width: 8, pixels: [Float](repeating: 0.5, count: 64)).writePNG(to: data + "/slice.png")
        let image = try WConvTool.run(["denoise", "--run", data + "/run", "--input", data + "/slice.png", "--output", data + "/out.png"])
        #expect(image.status != 0 && image.errors.contains("give it a .nii or .nii.gz volume"), "\(image.log)")
        let none = try WConvTool.run(["train", "--task", "volume", "--data-dir", data + "/compare"] + Self.tiny)
        #expect(none.status != 0 && none.errors.contains("no .nii or .nii.gz file"), "\(none.log)")
    }

    @Test(.enabled(if: ready, reason)) func imageFolderCompareAndEval() throws {
        let data = try Self.folder("images")
        defer { try? FileManager.default.removeItem(atPath: data) }
        for (label, name) in ["bright", "dark"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(data)/train/\(name)", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(data)/valid/\(name)", withIntermediateDirectories: true)
            for index in 0..<6 {
                let pixels = (0..<(3 * 10 * 12)).map { i in (label == 0 ? 0.7 : 0.2) + Float((i * 7 + index) % 9) / 40 }
                let image = Image(channels: 3, height: 10, width: 12, pixels: pixels)
                try image.writePNG(to: "\(data)/\(index < 4 ? "train" : "valid")/\(name)/\(index).png")
            }
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: data + "/train/dark/notes.txt"))
        let folder = ["--task", "classification", "--dataset", "folder", "--data-dir", data + "/train", "--image-size", "8", "--image-fit", "resize",
                      "--batch-size", "4", "--rgb"] + Self.tiny
        let compare = try WConvTool.run(["compare"] + folder + ["--validation-dir", data + "/valid", "--seeds", "1,2",
                                                                "--output", data + "/compare"])
        #expect(compare.status == 0 && compare.output.contains("classification: vgg-small 3×3 on folder"), "\(compare.log)")
        // Without a validation folder a seeded fifth of the training folder is held out.
        let train = try WConvTool.run(["train"] + folder + ["--output", data + "/run"])
        #expect(train.status == 0, "\(train.log)")
        let eval = try WConvTool.run(["eval", data + "/run", "--threads", "1"])
        #expect(eval.status == 0 && eval.output.contains("on 2 images") && eval.output.contains("  bright: ")
                && eval.output.contains("  dark: "), "\(eval.log)")
        // The confusion matrix counts every evaluation image once, rows named by the class folders.
        let csv = try String(contentsOfFile: data + "/run/eval/confusion.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["truth", "bright", "dark"])
        #expect(rows.dropFirst().map { $0[0] } == ["bright", "dark"])
        let counted: [Int] = rows.dropFirst().flatMap { row in row.dropFirst().compactMap { Int($0) } }
        #expect(counted.reduce(0, +) == 2, "\(csv)")
        #expect(FileManager.default.fileExists(atPath: data + "/run/eval/confusion.svg"))
    }
}
