import Datasets
import Foundation
import Models
import NeuralNetwork

/// Weights written by a training run (`model.safetensors`, or a `checkpoint.safetensors`) with
/// what is stored beside them about the model's input: a classifier's per-channel
/// normalisation, class count and image shape.
public struct TrainedWeights {
    /// The file's path (named in every error).
    public let path: String
    /// The tensors and metadata.
    public let file: SafeTensors
    /// The per-channel mean and standard deviation a classifier's input is normalised with
    /// (`nil` for a denoiser and for files of older versions).
    public let normalisation: (mean: [Float], std: [Float])?
    /// The `[channels, height, width]` of a classifier's training images (`nil` for a denoiser
    /// and for files of older versions).
    public let imageShape: [Int]?
    /// A classifier's class count (`nil` for a denoiser and for files of older versions).
    public let classes: Int?

    /// The image sides and class counts a stored description may give.
    static let sides = 1...65_536, classCounts = 1...1_000_000

    /// Reads a weights file and the input description stored with it.
    /// - Throws: `DataError` for a missing, unreadable or corrupt file; ``TrainingError`` for
    ///   stored metadata (`mean`, `std`, `classes`, `imageShape`) that is present but corrupt or
    ///   inconsistent.
    public init(path: String) throws {
        let file = try SafeTensors.read(path)
        (self.path, self.file) = (path, file)
        func values<T: Decodable>(_ key: String, as type: [T].Type) throws -> [T]? {
            guard let text = file.metadata[key] else { return nil }
            guard let values = try? JSONDecoder().decode(type, from: Data(text.utf8)), !values.isEmpty else {
                throw TrainingError("\(path): the stored \(key) \(text) is not a list of numbers")
            }
            return values
        }
        let mean = try values("mean", as: [Float].self), std = try values("std", as: [Float].self)
        switch (mean, std) {
        case (nil, nil): normalisation = nil
        case let (mean?, std?) where mean.count == std.count && mean.allSatisfy(\.isFinite) && std.allSatisfy({ $0.isFinite && $0 > 0 }):
            normalisation = (mean, std)
        default:
            throw TrainingError("\(path): the stored input normalisation (mean \(mean.map { "\($0)" } ?? "missing"), "
                + "std \(std.map { "\($0)" } ?? "missing")) is corrupt: one finite mean and one positive std per channel")
        }
        imageShape = try values("imageShape", as: [Int].self)
        if let imageShape {
            guard (2...4).contains(imageShape.count), imageShape.allSatisfy({ Self.sides.contains($0) }),
                  normalisation.map({ $0.mean.count == imageShape[0] }) ?? true else {
                throw TrainingError("\(path): the stored imageShape \(imageShape) is not [channels, extents…] (a series' length, an image's height and width) "
                    + "with sides in \(Self.sides.lowerBound)…\(Self.sides.upperBound) and one channel per stored mean")
            }
        }
        classes = try file.metadata["classes"].map { text in
            guard let count = Int(text), Self.classCounts.contains(count) else {
                throw TrainingError("\(path): the stored class count \(text) is not in \(Self.classCounts.lowerBound)…\(Self.classCounts.upperBound)")
            }
            return count
        }
    }

    /// The channels, side and classes of the model `experiment` trained on these weights: a
    /// classifier's from the stored metadata (the image side from `imageShape`, or for files
    /// written before it was stored, the side of the experiment's dataset); a denoiser's from
    /// the experiment (grey or RGB, its patch side).
    /// - Throws: ``TrainingError`` for a classifier whose normalisation or class count is not
    ///   stored, whose images are not square, or (an older file) whose dataset's image side is unknown.
    public func inputShape(for experiment: Experiment) throws -> (channels: Int, size: Int, classes: Int) {
        switch experiment.task {
        case .denoising: return (experiment.grey ? 1 : 3, experiment.patchSize, 0)
        case .volume: return (1, experiment.patchSize, 0)
        case .classification, .series: break
        }
        guard let normalisation, let classes else {
            throw TrainingError("\(path): the input normalisation (mean, std) or the class count is missing or corrupt")
        }
        if let imageShape {
            guard imageShape.count == 1 + experiment.task.spatialRank else {
                throw TrainingError("\(path): the stored imageShape \(imageShape) is not that of \(experiment.task.samples) "
                    + "(channels and \(experiment.task.spatialRank) extent\(experiment.task.spatialRank == 1 ? "" : "s"))")
            }
            guard imageShape.count != 3 || imageShape[1] == imageShape[2] else {
                throw TrainingError("\(path): the model was trained on \(imageShape[1])×\(imageShape[2]) images; the models take square ones")
            }
            return (imageShape[0], imageShape[1], classes)
        }
        let datasetSides: [DatasetKind: Int] = [.fashionMnist: 28, .mnist: 28, .cifar10: 32, .cifar100: 32, .cifar100Coarse: 32]
        guard let side = datasetSides[experiment.dataset] else {
            throw TrainingError("\(path): no stored imageShape and unknown classification dataset \(experiment.dataset), so the image side is unknown")
        }
        return (normalisation.mean.count, side, classes)
    }

    /// `experiment`'s model with convolutions of `kind` and these weights, in evaluation mode
    /// (running batch-norm statistics).
    /// - Throws: ``TrainingError`` for a model that does not fit the task, or weights that do
    ///   not fit the model (weighted weights in a standard model included) or are not finite.
    public func model(_ experiment: Experiment, kind: ConvolutionKind, seed: UInt64, channels: Int, size: Int, classes: Int) throws
        -> any Module {
        let model = try experiment.makeModel(kind: kind, seed: seed, channels: channels, size: size, classes: classes)
        try Checkpoint.load(file, into: model, path: path)
        model.setTraining(false)
        return model
    }
}
