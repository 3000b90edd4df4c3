import ArgumentParser
import Datasets
import Models
import NeuralNetwork
import Training

/// The options naming trained weights (`eval`, `denoise`), and loading them into the model.
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "standard or weighted (must match the weights).") var conv = "weighted"
    @Option(help: "model.safetensors (or checkpoint.safetensors) written by train.") var weights: String

    /// Checks `--conv` against the experiment's convolution kinds (before any work starts).
    /// - Throws: ``CommandFailure`` for a name other than `standard` or `weighted`.
    func checkConvolution(of e: Experiment) throws { _ = try e.convolutionKind(named: conv) }

    /// The weights file.
    /// - Throws: `DataError` when it is missing or corrupt.
    func file() throws -> SafeTensors { try SafeTensors.read(weights) }

    /// The experiment's model with the weights of `file`, in evaluation mode.
    /// - Throws: for an unknown model or convolution kind, or weights that do not fit the model
    ///   (weighted weights with `--conv standard` included) or are not finite.
    func load(_ e: Experiment, file: SafeTensors, seed: UInt64, channels: Int, size: Int, classes: Int) throws -> any Module {
        let model = try e.makeModel(kind: try e.convolutionKind(named: conv), seed: seed, channels: channels, size: size, classes: classes)
        try Checkpoint.load(file, into: model, path: weights)
        model.setTraining(false)
        return model
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
