import ArgumentParser
import Datasets
import Models
import NeuralNetwork
import Training

/// The options naming trained weights (`eval`, `denoise`), and loading them into the model.
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "standard or weighted (default: the run's, else weighted; must match the weights).") var conv: String?
    @Option(help: "model.safetensors (or checkpoint.safetensors) written by train (default: the run's).") var weights: String?

    /// Checks `--conv`, when given, against the experiment's convolution kinds (before any work starts).
    /// - Throws: ``CommandFailure`` for a name other than `standard` or `weighted`.
    func checkConvolution(of e: Experiment) throws {
        if let conv { _ = try e.convolutionKind(named: conv) }
    }

    /// The weights file: --weights, else the run's.
    /// - Throws: ``CommandFailure`` when neither is given; `DataError` when the file is missing or corrupt.
    func file(run: TrainedRun?) throws -> (path: String, file: SafeTensors) {
        guard let path = weights ?? run?.weightsPath else { throw CommandFailure("name a trained run (RUN_DIR) or --weights FILE") }
        return (path, try SafeTensors.read(path))
    }

    /// The experiment's model with the weights of `file`, in evaluation mode.
    /// - Throws: for an unknown model or convolution kind, or weights that do not fit the model
    ///   (weighted weights with `--conv standard` included) or are not finite; with a run, the
    ///   error says what the run was trained as.
    func load(_ e: Experiment, file: (path: String, file: SafeTensors), run: TrainedRun?,
              seed: UInt64, channels: Int, size: Int, classes: Int) throws -> any Module {
        let convolution = conv ?? run?.configuration.convolution ?? "weighted"
        do {
            let model = try e.makeModel(kind: try e.convolutionKind(named: convolution), seed: seed, channels: channels, size: size,
                                        classes: classes)
            try Checkpoint.load(file.file, into: model, path: file.path)
            model.setTraining(false)
            return model
        } catch {
            guard let run else { throw error }
            throw CommandFailure("\(error)\n\(run.directory) was trained as \(run.summary); the options given here ask for "
                + e.summary(convolution: convolution, classes: classes > 0 ? classes : nil))
        }
    }

    /// The `[channels, height, width]` of the images classification weights were trained on
    /// (`nil` for older files).
    static func imageShape(of file: SafeTensors) -> [Int]? {
        guard let text = file.metadata["imageShape"], let list = PerAxis(argument: String(text.dropFirst().dropLast())) else { return nil }
        return list.values
    }

    /// The input normalisation stored with classification weights (`nil` for older files).
    static func normalisation(of file: SafeTensors) -> (mean: [Float], std: [Float])? {
        func floats(_ key: String) -> [Float]? {
            file.metadata[key].flatMap { FloatList.parse(String($0.dropFirst().dropLast())) }
        }
        guard let mean = floats("mean"), let std = floats("std") else { return nil }
        return (mean, std)
    }
}

extension Experiment {
    /// `standard` or `weighted` (with this experiment's density) as a convolution kind.
    /// - Throws: ``CommandFailure`` for any other name.
    func convolutionKind(named name: String) throws -> ConvolutionKind {
        switch name {
        case "standard": return .standard
        case "weighted": return .weighted(den: den, trainable: trainableDensity)
        default: throw CommandFailure("--conv must be standard or weighted, got \(name)")
        }
    }
}
