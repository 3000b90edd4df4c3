import Foundation
import Training

/// `config.json` of a training run: what `train` writes and `eval`/`denoise` read back.
struct RunConfiguration: Codable {
    /// The model, data, kernel, density, normalisation source and convolution method.
    let experiment: Experiment
    /// The training settings.
    let settings: TrainingSettings
    /// `standard` or `weighted`.
    let convolution: String
    /// Compute threads of the run.
    let threads: Int
    /// Data-parallel ranks of the run.
    let ranks: Int
    /// Classes of a classification run (`nil` for denoising and for runs of older versions).
    var classes: Int?
}

/// A folder written by `wconv train`: its configuration and its weights.
struct TrainedRun {
    /// The run's folder.
    let directory: String
    /// Its `config.json`.
    let configuration: RunConfiguration

    /// Reads the configuration of the run in `directory`.
    /// - Throws: ``CommandFailure`` when the folder has no readable `config.json`.
    init(directory: String) throws {
        self.directory = directory
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(path): no such file (RUN_DIR must be a folder written by wconv train)")
        }
        do {
            configuration = try JSONFiles.decoder().decode(RunConfiguration.self, from: data)
        } catch {
            throw CommandFailure("\(path): not the configuration of a training run (\(error))")
        }
    }

    /// The final weights (`model.safetensors`), or the last checkpoint of a run that has not finished.
    var weightsPath: String {
        let model = directory + "/model.safetensors", checkpoint = directory + "/checkpoint.safetensors"
        return !FileManager.default.fileExists(atPath: model) && FileManager.default.fileExists(atPath: checkpoint) ? checkpoint : model
    }

    /// What the run was trained as, e.g. `classification with vgg-small on fashion-mnist (10
    /// classes), kernel 7, weighted convolution with density 0.25,0.15,0.55`.
    var summary: String { configuration.experiment.summary(convolution: configuration.convolution, classes: configuration.classes) }
}

extension Experiment {
    /// The task, model, data, kernel and convolution in words (see `TrainedRun.summary`).
    func summary(convolution: String, classes: Int?) -> String {
        let density = convolution == "weighted"
            ? " with density \(den.map { String($0) }.joined(separator: ","))\(trainableDensity ? " (trained)" : "")" : ""
        let model = self.model == .dncnn ? "dncnn (depth \(depth), width \(width))"
            : self.model == .nafnet ? "nafnet (width \(nafWidth), \(nafBlocks) blocks per level)" : self.model.rawValue
        let channels = task == .denoising ? (grey ? " (grey)" : " (RGB)") : ""
        return "\(task) with \(model) on \(dataset)\(classes.map { " (\($0) classes)" } ?? "")\(channels), "
            + "kernel \(kernelSize), \(convolution) convolution\(density)"
    }
}
