import Foundation
import Training
import Tuning

/// The small Fashion-MNIST density study the end-to-end tuning tests run (3×3 VGG, one epoch on
/// a few hundred images, seeds 1 and 2, DIRECT-L).
public enum TinyStudy {
    /// Whether the Debian Fashion-MNIST package is installed (the tests are skipped otherwise).
    public static let installed = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    /// The study's settings.
    /// - Parameters:
    ///   - trainingSubset: training images (a fifth of them for validation).
    ///   - evaluationSubset: test images of the final runs.
    ///   - budget: the optimiser's evaluations.
    /// - Returns: the settings.
    /// - Throws: ``TuningError`` (not for these values).
    public static func settings(trainingSubset: Int, evaluationSubset: Int, budget: Int) throws -> StudySettings {
        var experiment = Experiment()
        experiment.kernelSize = 3
        experiment.den = [0.6]
        experiment.trainingSubset = trainingSubset
        experiment.evaluationSubset = evaluationSubset
        experiment.batchSize = 50
        var training = TrainingSettings()
        training.epochs = 1
        return StudySettings(experiment: experiment, settings: training, box: try .suggested(kernelSize: 3), algorithm: .directL,
                             budget: budget, objective: .accuracy, seeds: [1, 2], validation: try ValidationSplit(fraction: 0.2, seed: 7),
                             searchSeed: 1, finalSeeds: [9], finalEpochs: 1)
    }

    /// What two studies must agree on: every field of a record but its wall time.
    public static func key(_ r: EvaluationRecord) -> String { "\(r.index) \(r.role) \(r.point) \(r.seeds) \(r.scores) \(r.diverged)" }
}
