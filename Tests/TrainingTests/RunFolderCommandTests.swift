import Foundation
import TestSupport
import Testing
import Training

/// Run folders that `eval` and `export` read wherever they were written and wherever they are
/// run from: every arm of `wconv compare` has a `config.json` as `wconv train` writes it, and
/// the data folders in it are absolute paths.
@Suite(.serialized) struct RunFolderCommandTests {
    @Test(.enabled(if: TrainedRunCommandTests.ready, TrainedRunCommandTests.reason)) func compareArmsAreRunFolders() throws {
        let data = try TrainedRunCommandTests.folder("cifar10"), output = try TrainedRunCommandTests.folder("compare")
        defer { for path in [data, output] { try? FileManager.default.removeItem(atPath: path) } }
        try TrainedRunCommandTests.writeCIFAR((1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"], in: data, labelBytes: 1,
                                              classes: 10, count: 4)
        let compare = try WConvTool.run(["compare", "--task", "classification", "--dataset", "cifar10", "--data-dir", data, "--den", "0.5",
                                         "--batch-size", "10", "--epochs", "1", "--seeds", "2", "--threads", "1", "--output", output])
        try #require(compare.status == 0, "\(compare.log)")
        for arm in ["standard", "weighted"] {
            let folder = "\(output)/classification/\(arm)-seed2"
            let run = try TrainedRun(folder: folder)
            #expect(run.configuration.convolution.rawValue == arm && run.configuration.settings.seed == 2 && run.configuration.classes == 10)
            let eval = try WConvTool.run(["eval", folder, "--threads", "1"])
            #expect(eval.status == 0, "\(eval.log)")
            // The score eval gives is the one the comparison recorded for the arm.
            let result = try JSONFiles.decoder().decode(RunResult.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/result.json")))
            #expect(eval.output.contains(String(format: "accuracy %.2f %%", result.finalMetric)), "\(eval.log)")
            let export = try WConvTool.run(["export", folder, "--format", "onnx"])
            #expect(export.status == 0 && FileManager.default.fileExists(atPath: folder + "/model.onnx"), "\(export.log)")
        }
    }

    @Test(.enabled(if: TrainedRunCommandTests.ready, TrainedRunCommandTests.reason)) func dataFoldersAreStoredAbsolute() throws {
        let parent = try TrainedRunCommandTests.folder("parent"), elsewhere = try TrainedRunCommandTests.folder("elsewhere")
        defer { for path in [parent, elsewhere] { try? FileManager.default.removeItem(atPath: path) } }
        let data = parent + "/data", run = parent + "/run"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try TrainedRunCommandTests.writeCIFAR((1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"], in: data, labelBytes: 1,
                                              classes: 10, count: 4)
        let train = try WConvTool.run(["train", "--task", "classification", "--dataset", "cifar10", "--data-dir", "./data", "--den", "0.5",
                                       "--batch-size", "10", "--epochs", "1", "--threads", "1", "--output", "run"], in: parent)
        try #require(train.status == 0, "\(train.log)")
        let stored = try TrainedRun(folder: run).configuration.experiment.dataDirectory
        #expect(stored == URL(fileURLWithPath: data).standardizedFileURL.path)

        let eval = try WConvTool.run(["eval", run, "--threads", "1"], in: elsewhere)
        #expect(eval.status == 0 && eval.output.contains("accuracy"), "\(eval.log)")

        // A configuration of an older version, with the relative path: read against the working directory.
        let config = run + "/config.json"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        var older = try TrainedRun(folder: run).configuration
        older.experiment.dataDirectory = "data"
        try JSONFiles.write(older, to: config)
        #expect(try TrainedRun(folder: run).configuration.experiment.dataDirectory == "data")
        let relative = try WConvTool.run(["eval", run, "--threads", "1"], in: parent)
        #expect(relative.status == 0 && relative.output == eval.output, "\(relative.log)")
        let lost = try WConvTool.run(["eval", run, "--threads", "1"], in: elsewhere)
        #expect(lost.status != 0 && lost.errors.contains("\(config): the run's --data-dir data (read against the working directory")
                && lost.errors.contains("is not a folder"), "\(lost.log)")

        // A data folder that has gone: the error names the configuration and the path.
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: data, toPath: parent + "/moved")
        let missing = try WConvTool.run(["eval", run, "--threads", "1"], in: elsewhere)
        #expect(missing.status != 0 && missing.errors.contains("\(config): the run's --data-dir \(stored ?? "") is not a folder"), "\(missing.log)")
    }
}
