import ArgumentParser
import Datasets
import Models
import NeuralNetwork
import Training

/// The options naming trained weights (`eval`, `denoise`), and loading them into the model.
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "standard or weighted (must match the weights).") var conv = "weighted"
    @Option(help: "model.safetensors (or checkpoint.safetensors) written by train.") var weights: String

    /// The experiment's model with these weights, in evaluation mode.
    /// - Throws: for an unknown model or convolution kind, or weights that do not fit the model.
    func load(_ e: Experiment, seed: UInt64, channels: Int, size: Int, classes: Int) throws -> any Module {
        let model = try e.makeModel(kind: try e.convolutionKind(named: conv), seed: seed, channels: channels, size: size, classes: classes)
        try Checkpoint.load(try SafeTensors.read(weights), into: model, path: weights)
        model.setTraining(false)
        return model
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
