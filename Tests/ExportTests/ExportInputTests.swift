import Datasets
import Export
import Foundation
import Testing
import Training

/// Bad run folders and output paths: clear errors, the run's files untouched, outputs atomic.
@Suite struct ExportInputTests {
    @Test func missingFolderOrFilesAreNamed() throws {
        let missing = NSTemporaryDirectory() + "wconv-export-missing-\(UUID().uuidString)"
        let noFolder = #expect(throws: TrainingError.self) { try TrainedRun(folder: missing) }
        #expect(noFolder?.description.hasPrefix("\(missing): no such run folder (give the --output folder of wconv train") == true)
        let tiny = try TinyRun(model: "dncnn")
        defer { tiny.remove() }
        try FileManager.default.removeItem(atPath: tiny.folder + "/model.safetensors")
        let error = #expect(throws: TrainingError.self) { try TrainedRun(folder: tiny.folder).loadModel() }
        #expect(error?.description.contains("model.safetensors: missing") == true)
        try FileManager.default.removeItem(atPath: tiny.folder + "/config.json")
        let noConfig = #expect(throws: TrainingError.self) { try TrainedRun(folder: tiny.folder) }
        #expect(noConfig?.description.contains("config.json: no such file") == true)
    }

    @Test func corruptWeightsAndConfigurationAreRefused() throws {
        let tiny = try TinyRun(model: "dncnn")
        defer { tiny.remove() }
        let weights = tiny.folder + "/model.safetensors", config = tiny.folder + "/config.json"
        let good = try Files.read(weights)
        try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: weights))
        #expect(throws: DataError.self) { try TrainedRun(folder: tiny.folder).loadModel() }

        var file = try SafeTensors.decode(good, path: weights)
        let name = try #require(file.tensors.keys.sorted().first { $0.hasSuffix(".weight") })
        file.tensors[name]!.values[0] = .nan
        try file.write(to: weights)
        let nan = #expect(throws: TrainingError.self) { try TrainedRun(folder: tiny.folder).loadModel() }
        #expect(nan?.description.contains("NaN") == true)

        try Data(good).write(to: URL(fileURLWithPath: weights))
        try FileManager.default.copyItem(atPath: config, toPath: config + ".good")
        try Data("{\"experiment\": 3}".utf8).write(to: URL(fileURLWithPath: config))
        let garbled = #expect(throws: TrainingError.self) { try TrainedRun(folder: tiny.folder) }
        #expect(garbled?.description.contains("not a run configuration") == true)
        try Data(String(decoding: try Files.read(tiny.folder + "/config.json.good"), as: UTF8.self)
            .replacingOccurrences(of: "\"weighted\"", with: "\"dilated\"").utf8).write(to: URL(fileURLWithPath: config))
        let unknown = #expect(throws: TrainingError.self) { try TrainedRun(folder: tiny.folder) }
        #expect(unknown?.description.contains("convolution") == true && unknown?.description.contains("dilated") == true, "\(String(describing: unknown))")
    }

    @Test func theImageSideComesFromTheStoredImageShape() throws {
        let small = try TinyRun(model: "vgg-small", imageSide: 12), older = try TinyRun(model: "vgg-small")
        defer { small.remove(); older.remove() }
        let trained = try TrainedRun(folder: small.folder).loadModel()
        #expect(trained.size == 12 && trained.channels == 1 && trained.classes == 10)
        #expect(try trained.outputs(input: [Float](repeating: 0.5, count: 144), shape: [1, 1, 12, 12]).shape == [1, 10])
        // Weights without imageShape (older files): the side of the run's dataset.
        #expect(try TrainedRun(folder: older.folder).loadModel().size == 28)
        var file = try SafeTensors.read(small.folder + "/model.safetensors")
        file.metadata["imageShape"] = "[1, 12]"
        try file.write(to: small.folder + "/model.safetensors")
        let corrupt = #expect(throws: TrainingError.self) { try TrainedRun(folder: small.folder).loadModel() }
        #expect(corrupt?.description.contains("imageShape [1, 12]") == true)
    }

    @Test func outputsNeverReplaceTheRunsFiles() throws {
        let tiny = try TinyRun(model: "vgg-small")
        defer { tiny.remove() }
        let run = try TrainedRun(folder: tiny.folder).loadModel()
        let before = try Files.read(tiny.folder + "/model.safetensors")
        let link = tiny.folder + "/link.onnx"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: tiny.folder + "/model.safetensors")
        for path in [tiny.folder + "/model.safetensors", tiny.folder + "/./config.json", tiny.folder + "/../"
                        + URL(fileURLWithPath: tiny.folder).lastPathComponent + "/model.safetensors", link] {
            let error = #expect(throws: ExportError.self) { try run.export(.onnx, to: path) }
            #expect(error?.description.contains("is an input of the export") == true)
        }
        #expect(try Files.read(tiny.folder + "/model.safetensors") == before)
    }

    @Test func unwritableOutputIsAnErrorAndOutputsAreAtomic() throws {
        let tiny = try TinyRun(model: "dncnn")
        defer { tiny.remove() }
        let run = try TrainedRun(folder: tiny.folder).loadModel()
        // A folder cannot be created below a regular file.
        #expect(throws: DataError.self) { try run.export(.onnx, to: tiny.folder + "/config.json/model.onnx") }
        let output = tiny.folder + "/out/model.onnx"
        try FileManager.default.createDirectory(atPath: tiny.folder + "/out", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        try run.export(.onnx, to: output)
        #expect(try Files.read(output) == (try run.exportedBytes(.onnx)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tiny.folder + "/out") == ["model.onnx"])
    }
}
