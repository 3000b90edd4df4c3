import ArgumentParser
import Models
import NeuralNetwork
import Training

/// The options naming trained weights (`eval`, `denoise`), and loading them into the model.
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "standard or weighted (default: the run's, else weighted; must match the weights).") var conv: ConvolutionVariant?
    @Option(help: "model.safetensors (or checkpoint.safetensors) written by train (default: the run's).") var weights: String?

    /// The weights: --weights, else the run's.
    /// - Throws: ``CommandFailure`` when neither is given; `DataError` or `TrainingError` when
    ///   the file is missing or corrupt.
    func trainedWeights(run: TrainedRun?) throws -> TrainedWeights {
        if let weights { return try TrainedWeights(path: weights) }
        guard let run else { throw CommandFailure("name a trained run (RUN_DIR) or --weights FILE") }
        return try run.weights()
    }

    /// The experiment's model with `weights`, in evaluation mode, with convolutions of `--conv`,
    /// else the run's variant, else weighted (and, when that is the run's variant, the run's
    /// per-axis density profiles).
    /// - Throws: for an unknown model, or weights that do not fit the model (weighted weights
    ///   with `--conv standard` included) or are not finite; with a run, the error says what
    ///   the run was trained as.
    func load(_ e: Experiment, weights: TrainedWeights, run: TrainedRun?, seed: UInt64, channels: Int, size: Int, classes: Int) throws
        -> any Module {
        let variant = conv ?? run?.configuration.convolution ?? .weighted
        let profiles = variant == run?.configuration.convolution ? run?.configuration.densityProfiles : nil
        do {
            return try weights.model(e, kind: variant.kind(of: e, profiles: profiles), seed: seed, channels: channels, size: size,
                                     classes: classes)
        } catch {
            guard let run else { throw error }
            throw CommandFailure("\(error)\n\(run.folder) was trained as \(run.summary); the options given here ask for "
                + e.summary(convolution: variant, classes: classes > 0 ? classes : nil, profiles: profiles))
        }
    }
}

extension ConvolutionVariant: ExpressibleByArgument {}
