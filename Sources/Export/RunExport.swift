import Datasets
import Foundation
import NeuralNetwork
import Training

/// The file formats a trained run is exported to.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// An ONNX model (see ``ONNXExport``).
    case onnx
    /// The folded weights under PyTorch names (see ``PyTorchWeights``).
    case safetensors

    /// The file written into the run folder when no output path is given.
    public var defaultFileName: String { self == .onnx ? "model.onnx" : "model-pytorch.safetensors" }
}

extension TrainedRun {
    /// The files of a run folder that an export must never overwrite.
    public static let inputFiles = [RunConfiguration.fileName, "model.safetensors", "checkpoint.safetensors"]

    /// Refuses an output path that names one of the run's own files.
    /// - Throws: ``ExportError`` naming the file.
    public func refuseOverwritingInputs(_ path: String, others: [String] = []) throws {
        let target = Files.identity(path)
        for input in Self.inputFiles.map({ folder + "/" + $0 }) + others where Files.identity(input) == target {
            throw ExportError("\(path) is an input of the export (\(input)); choose another output path")
        }
    }
}

extension TrainedModel {
    /// The bytes of the export in `format`.
    /// - Throws: ``ExportError`` for a layer with no ONNX export; a serialisation error.
    public func exportedBytes(_ format: ExportFormat) throws -> [UInt8] {
        switch format {
        case .onnx: return try ONNXExport.model(of: self).serializedBytes()
        case .safetensors: return try PyTorchWeights.file(of: self).encode()
        }
    }

    /// Writes the export in `format` to `path` atomically (the old file or the new one, never a part).
    /// - Throws: ``ExportError`` when `path` is one of the run's own files (`TrainedRun.inputFiles`)
    ///   or a layer has no export; `DataError` when the file cannot be written.
    public func export(_ format: ExportFormat, to path: String) throws {
        try run.refuseOverwritingInputs(path)
        try Files.atomicWrite(try exportedBytes(format), to: path)
    }

    /// What `wconv` computes for `input` `[B, C, H, W]`: a classifier's logits of the raw pixels
    /// (normalised with the run's mean and standard deviation first), a denoiser's output before
    /// clipping; the same values the exported graph is checked against.
    /// - Throws: ``ExportError`` when `input` does not have the model's channels (or a
    ///   classifier's image side); the model's shape errors.
    public func outputs(input: [Float], shape: [Int]) throws -> Tensor {
        guard experiment.task.spatialRank == 2 else {
            throw ExportError("--check-input runs image models only; this run is on \(experiment.task.samples)")
        }
        guard shape.count == 4, shape[1] == channels, input.count == shape.reduce(1, *),
              experiment.task != .classification || (shape[2] == size && shape[3] == size) else {
            let sides = experiment.task == .classification ? "\(size), \(size)" : "H, W"
            throw ExportError("the model takes [B, \(channels), \(sides)], got \(shape)")
        }
        var values = input
        if let (mean, std) = normalisation {
            let plane = shape[2] * shape[3]
            for i in values.indices {
                let c = i / plane % channels
                values[i] = (values[i] - mean[c]) / std[c]
            }
        }
        return try model(Variable(Tensor(shape: shape, scalars: values))).value
    }
}
