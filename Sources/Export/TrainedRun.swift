import Datasets
import Foundation
import Models
import NeuralNetwork
import Training

/// A finished training run read back from its folder (`config.json` and `model.safetensors`,
/// as `wconv train` writes them): the experiment, the settings, the convolution kind and the
/// model with its trained weights, in evaluation mode.
public struct TrainedRun {
    /// The run folder.
    public let folder: String
    /// Model, data, kernel and density of the run.
    public let experiment: Experiment
    /// Optimiser, schedule, epochs and seed of the run.
    public let settings: TrainingSettings
    /// Standard or weighted convolution (with the run's configured density).
    public let kind: ConvolutionKind
    /// The model with the trained weights, in evaluation mode (running batch-norm statistics).
    public let model: any Module
    /// Image channels of the model's input.
    public let channels: Int
    /// Side of the square training images (classification) or patches (denoising).
    public let size: Int
    /// Classes of a classifier (0 for a denoiser).
    public let classes: Int
    /// The per-channel mean and standard deviation a classifier's input is normalised with.
    public let normalisation: (mean: [Float], std: [Float])?
    /// The metadata stored with the weights.
    public let weightsMetadata: [String: String]

    /// The files of a run folder that an export must never overwrite.
    public static let inputFiles = ["config.json", "model.safetensors", "checkpoint.safetensors"]

    /// What `config.json` holds (the thread and rank counts are not needed here).
    private struct Configuration: Decodable {
        let experiment: Experiment, settings: TrainingSettings, convolution: String
    }

    /// Reads a run folder and loads its model.
    /// - Throws: ``ExportError`` for a missing folder or file, a `config.json` that does not
    ///   decode, or an unknown convolution kind; `DataError` for an unreadable or corrupt
    ///   `model.safetensors`; `TrainingError` for weights that do not fit the configured model or
    ///   hold NaN or infinite values.
    public init(folder: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ExportError("\(folder): no such run folder (give the --output folder of wconv train)")
        }
        let configPath = folder + "/config.json", weightsPath = folder + "/model.safetensors"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ExportError("\(configPath): missing (not a folder written by wconv train?)")
        }
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw ExportError("\(weightsPath): missing (the run has not finished its first epoch?)")
        }
        let configuration: Configuration
        do {
            configuration = try JSONFiles.decoder().decode(Configuration.self, from: Data(try Files.read(configPath)))
        } catch let error as DataError {
            throw error
        } catch {
            throw ExportError("\(configPath): not a run configuration (\(error))")
        }
        let e = configuration.experiment
        let kind: ConvolutionKind
        switch configuration.convolution {
        case "standard": kind = .standard
        case "weighted": kind = .weighted(den: e.den, trainable: e.trainableDensity)
        default: throw ExportError("\(configPath): unknown convolution \(configuration.convolution) (standard, weighted)")
        }
        do { try e.validate() } catch { throw ExportError("\(configPath): \(error)") }
        let file = try SafeTensors.read(weightsPath)
        let shape = try Self.inputShape(e, metadata: file.metadata, path: weightsPath)
        let model = try e.makeModel(kind: kind, seed: configuration.settings.seed, channels: shape.channels, size: shape.size,
                                    classes: shape.classes)
        try Checkpoint.load(file, into: model, path: weightsPath)
        model.setTraining(false)
        (self.folder, experiment, settings, self.kind, self.model) = (folder, e, configuration.settings, kind, model)
        (channels, size, classes, normalisation, weightsMetadata) = (shape.channels, shape.size, shape.classes, shape.normalisation,
                                                                     file.metadata)
    }

    /// Channels, side, classes and normalisation of the model's input: a classifier's from the
    /// metadata stored with its weights and its dataset's image side; a denoiser's from the experiment.
    private static func inputShape(_ e: Experiment, metadata: [String: String], path: String) throws
        -> (channels: Int, size: Int, classes: Int, normalisation: (mean: [Float], std: [Float])?) {
        guard e.task == .classification else { return (e.grey ? 1 : 3, e.patchSize, 0, nil) }
        func floats(_ key: String) -> [Float]? {
            metadata[key].flatMap { text in
                let values = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
                    .map { Float($0.trimmingCharacters(in: .whitespaces)) }
                return values.isEmpty || values.contains(nil) ? nil : values.compactMap { $0 }
            }
        }
        guard let mean = floats("mean"), let std = floats("std"), mean.count == std.count,
              std.allSatisfy({ $0.isFinite && $0 > 0 }), mean.allSatisfy(\.isFinite),
              let classes = metadata["classes"].flatMap(Int.init), (1...1_000_000).contains(classes) else {
            throw ExportError("\(path): the input normalisation (mean, std) or the class count is missing or corrupt")
        }
        let size: Int
        switch e.dataset {
        case .fashionMnist, .mnist: size = 28
        case .cifar10, .cifar100, .cifar100Coarse: size = 32
        default: throw ExportError("\(path): unknown classification dataset \(e.dataset), so the image side is unknown")
        }
        return (mean.count, size, classes, (mean, std))
    }
}
