import Datasets
import Foundation
import Models
import NeuralNetwork

/// A run folder written by `wconv train` (its `--output`) or by `wconv compare` (one folder per
/// arm and seed): the configuration in `config.json` and the path of the trained weights.
///
/// ```swift
/// let run = try TrainedRun(folder: "runs/quick-vgg")
/// let trained = try run.loadModel()      // the model with its weights, in evaluation mode
/// print(run.summary, trained.size)
/// ```
public struct TrainedRun: Sendable {
    /// The run folder.
    public let folder: String
    /// Its `config.json`.
    public let configuration: RunConfiguration

    /// Reads the configuration of the run in `folder`.
    /// - Throws: ``TrainingError`` for a missing folder or `config.json`, a configuration that
    ///   does not decode (an unknown convolution variant included) or whose experiment or density
    ///   profiles are out of range, each naming the file; `DataError` for an unreadable file.
    public init(folder: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw TrainingError("\(folder): no such run folder (give the --output folder of wconv train, or an arm's folder of wconv compare)")
        }
        let path = folder + "/" + RunConfiguration.fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError("\(path): no such file (a run folder is one written by wconv train, or an arm's folder of wconv compare)")
        }
        let configuration: RunConfiguration
        do {
            configuration = try JSONFiles.decoder().decode(RunConfiguration.self, from: Data(try Files.read(path)))
        } catch let error as DataError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw TrainingError("\(path): not a run configuration (\(Self.describe(context)))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw TrainingError("\(path): not a run configuration (\(Self.describe(context, key: key)) is missing)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw TrainingError("\(path): not a run configuration (\(Self.describe(context)))")
        } catch {
            throw TrainingError("\(path): not a run configuration (\(error))")
        }
        let e = configuration.experiment
        do { try e.validate() } catch { throw TrainingError("\(path): \(error)") }
        if let profiles = configuration.densityProfiles,
           profiles.isEmpty || !profiles.allSatisfy({ $0.count == e.den.count && $0.allSatisfy(\.isFinite) }) {
            throw TrainingError("\(path): densityProfiles \(profiles) must be finite profiles of \(e.den.count) values (kernel \(e.kernelSize))")
        }
        (self.folder, self.configuration) = (folder, configuration)
    }

    /// The path of `config.json`.
    public var configurationPath: String { folder + "/" + RunConfiguration.fileName }

    /// The final weights (`model.safetensors`), or the last checkpoint of a run that has not
    /// finished (`checkpoint.safetensors`).
    public var weightsPath: String {
        let model = folder + "/model.safetensors", checkpoint = folder + "/checkpoint.safetensors"
        return !FileManager.default.fileExists(atPath: model) && FileManager.default.fileExists(atPath: checkpoint) ? checkpoint : model
    }

    /// The weights at ``weightsPath``.
    /// - Throws: ``TrainingError`` when the folder holds neither file; `DataError` or
    ///   ``TrainingError`` for a corrupt file (see ``TrainedWeights/init(path:)``).
    public func weights() throws -> TrainedWeights {
        let path = weightsPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError("\(path): missing, and no checkpoint.safetensors either (the run has not finished its first epoch?)")
        }
        return try TrainedWeights(path: path)
    }

    /// The run's own model with its weights, in evaluation mode, and the input it takes (from
    /// the metadata stored with the weights).
    /// - Throws: as ``weights()``, ``TrainedWeights/inputShape(for:)`` and
    ///   ``TrainedWeights/model(_:kind:seed:channels:size:classes:)``.
    public func loadModel() throws -> TrainedModel {
        let weights = try weights(), e = configuration.experiment
        let (channels, size, classes) = try weights.inputShape(for: e)
        let model = try weights.model(e, kind: configuration.kind, seed: configuration.settings.seed, channels: channels, size: size,
                                      classes: classes)
        return TrainedModel(run: self, weights: weights, model: model, channels: channels, size: size, classes: classes)
    }

    /// What the run was trained as, e.g. `classification with vgg-small on fashion-mnist (10
    /// classes), kernel 7, weighted convolution with density 0.25,0.15,0.55`.
    public var summary: String {
        configuration.experiment.summary(convolution: configuration.convolution, classes: configuration.classes,
                                         profiles: configuration.densityProfiles)
    }

    /// Checks that the data folders `experiment` takes from this run's configuration exist (a
    /// folder given anew, differing from the run's, is not checked here).
    /// - Throws: ``TrainingError`` naming `config.json`, the option and the path (and the working
    ///   directory a relative path, from a file of an older version, was read against).
    public func checkDataFolders(of experiment: Experiment) throws {
        let stored = configuration.experiment
        for (option, path, used) in [("--data-dir", stored.dataDirectory, experiment.dataDirectory),
                                     ("--validation-dir", stored.validationDirectory, experiment.validationDirectory)] {
            guard let path, path == used else { continue }
            var isFolder: ObjCBool = false
            guard !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) || !isFolder.boolValue else { continue }
            let relative = path.hasPrefix("/") ? "" : " (read against the working directory \(FileManager.default.currentDirectoryPath))"
            throw TrainingError("\(configurationPath): the run's \(option) \(path)\(relative) is not a folder; give \(option) with the data's folder")
        }
    }

    /// A decoding error's place in the file and what was wrong there.
    private static func describe(_ context: DecodingError.Context, key: (any CodingKey)? = nil) -> String {
        let place = (context.codingPath + (key.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
        return key != nil ? place : (place.isEmpty ? "" : place + ": ") + context.debugDescription
    }
}

/// A trained run's own model with its weights, in evaluation mode (running batch-norm
/// statistics), and the input it takes.
public struct TrainedModel {
    /// The run.
    public let run: TrainedRun
    /// Its weights and the input description stored with them.
    public let weights: TrainedWeights
    /// The model.
    public let model: any Module
    /// Image channels of the model's input.
    public let channels: Int
    /// Side of the square training images (classification) or patches (denoising).
    public let size: Int
    /// Classes of a classifier (0 for a denoiser).
    public let classes: Int

    /// Model, data, kernel and density of the run.
    public var experiment: Experiment { run.configuration.experiment }
    /// Optimiser, schedule, epochs and seed of the run.
    public var settings: TrainingSettings { run.configuration.settings }
    /// Standard or weighted convolution, with the run's density.
    public var kind: ConvolutionKind { run.configuration.kind }
    /// The per-channel mean and standard deviation a classifier's input is normalised with.
    public var normalisation: (mean: [Float], std: [Float])? { weights.normalisation }
}

extension Experiment {
    /// The task, model, data, kernel and convolution in words (see ``TrainedRun/summary``).
    public func summary(convolution: ConvolutionVariant, classes: Int?, profiles: [[Float]]? = nil) -> String {
        let values = { (den: [Float]) in den.map { String($0) }.joined(separator: ",") }
        let density = convolution == .standard ? ""
            : profiles.map { " with per-axis densities \($0.map(values).joined(separator: "; "))" }
            ?? " with density \(values(den))\(trainableDensity ? " (trained)" : "")"
        let model = self.model == .dncnn ? "dncnn (depth \(depth), width \(width))"
            : self.model == .nafnet ? "nafnet (width \(nafWidth), \(nafBlocks) blocks per level)" : self.model.rawValue
        let channels = task == .denoising ? (grey ? " (grey)" : " (RGB)") : ""
        return "\(task) with \(model) on \(dataset)\(classes.map { " (\($0) classes)" } ?? "")\(channels), "
            + "kernel \(kernelSize), \(convolution.rawValue) convolution\(density)"
    }
}
