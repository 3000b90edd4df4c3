import Datasets
import Foundation
import NeuralNetwork

/// A training run's state after an epoch: parameters, buffers, optimiser state, the epoch and
/// the history so far, the settings and what else defines the run, saved atomically as one
/// safetensors file so that a resumed run continues exactly where the saved one stopped.
public enum Checkpoint {
    /// What a checkpoint holds besides the tensors.
    public struct Saved {
        /// The last completed epoch.
        public var epoch: Int
        /// One record per completed epoch.
        public var history: [EpochRecord]
        /// The settings of the run that saved it (`nil` in checkpoints of older versions).
        public var settings: TrainingSettings?
        /// The description of the model, data and convolution of that run (see ``Trainer/identity``).
        public var identity: String?
    }

    /// Saves the state, with `metadata` (the task's description of the model's input, see
    /// ``TrainingTask/modelMetadata``, so that an unfinished run's checkpoint loads as its
    /// final weights would).
    /// - Throws: `DataError` when the file cannot be written.
    public static func save(model: any Module, optimizer: Optimizer, epoch: Int, history: [EpochRecord],
                            settings: TrainingSettings, identity: String, metadata: [String: String] = [:], to path: String) throws {
        var file = weights(of: model, metadata: metadata)
        for (key, values) in optimizer.state { file.tensors["optimizer." + key] = ([values.count], values) }
        file.metadata["epoch"] = String(epoch)
        file.metadata["history"] = try JSONFiles.text(history)
        file.metadata["settings"] = try JSONFiles.text(settings)
        file.metadata["identity"] = identity
        try file.write(to: path)
    }

    /// The model's parameters and buffers under their PyTorch-style names, with `metadata`.
    public static func weights(of model: any Module, metadata: [String: String] = [:]) -> SafeTensors {
        var file = SafeTensors(metadata: metadata)
        for (name, p) in model.namedParameters() { file.tensors[name] = (p.value.shape, p.value.scalars) }
        for (name, b) in model.namedBuffers() { file.tensors[name] = ([b.values.count], b.values) }
        return file
    }

    /// The number of spatial axes of the convolutions whose weights `file` holds (1 for series,
    /// 2 for images, 3 for volumes): the rank of its `…weight` tensors of rank 3 or more, minus
    /// the output and input channel axes; `nil` when it holds no convolution kernel.
    public static func spatialRank(of file: SafeTensors) -> Int? {
        file.tensors.filter { $0.key.hasSuffix("weight") && $0.value.shape.count >= 3 }.map { $0.value.shape.count - 2 }.max()
    }

    /// Loads parameters and buffers into `model`: every one must be present with its size and
    /// finite values, and the file must hold no other model tensor (optimiser state aside).
    /// - Throws: ``TrainingError`` naming the first missing, mismatched, non-finite or unknown
    ///   tensor (e.g. the densities of weighted weights loaded into a standard model).
    public static func load(_ file: SafeTensors, into model: any Module, path: String) throws {
        let parameters = model.namedParameters(), buffers = model.namedBuffers()
        let known = Set(parameters.map(\.name) + buffers.map(\.name))
        if let unknown = file.tensors.keys.sorted().first(where: { !known.contains($0) && !$0.hasPrefix("optimizer.") }) {
            throw TrainingError("\(path): tensor \(unknown) does not belong to this model"
                + (unknown.hasSuffix(".density") ? " (weights of a weighted model: use --conv weighted)" : ""))
        }
        for (name, values) in parameters.map({ ($0.name, $0.parameter.value.count) }) + buffers.map({ ($0.name, $0.buffer.values.count) }) {
            guard let t = file.tensors[name], t.values.count == values else {
                throw TrainingError("\(path): tensor \(name) is missing or has the wrong size for this model"
                    + (name.hasSuffix(".density") ? " (weights of a standard model: use --conv standard)" : ""))
            }
            guard t.values.allSatisfy(\.isFinite) else {
                throw TrainingError("\(path): tensor \(name) holds NaN or infinite values (weights of a diverged run?)")
            }
        }
        for (name, p) in parameters { p.assign(file.tensors[name]!.values) }
        for (name, b) in buffers { b.values = file.tensors[name]!.values }
    }

    /// Restores a saved state into a freshly built model and optimiser.
    /// - Returns: the last completed epoch, the history, and the settings and identity of the run.
    /// - Throws: `DataError` or ``TrainingError`` for an unreadable, mismatched or corrupt
    ///   checkpoint (an epoch that is negative or disagrees with the history's length included).
    public static func restore(from path: String, model: any Module, optimizer: Optimizer) throws -> Saved {
        let file = try SafeTensors.read(path)
        try load(file, into: model, path: path)
        var state: [String: [Float]] = [:]
        for (key, tensor) in file.tensors where key.hasPrefix("optimizer.") { state[String(key.dropFirst(10))] = tensor.values }
        try optimizer.load(state: state)
        guard let epoch = file.metadata["epoch"].flatMap(Int.init), let history = file.metadata["history"],
              let records = try? JSONFiles.decoder().decode([EpochRecord].self, from: Data(history.utf8)),
              epoch >= 0, records.count == epoch, records.enumerated().allSatisfy({ $0.element.epoch == $0.offset + 1 }) else {
            throw TrainingError("\(path): checkpoint metadata (epoch, history) is missing or corrupt")
        }
        let settings = file.metadata["settings"].flatMap { try? JSONFiles.decoder().decode(TrainingSettings.self, from: Data($0.utf8)) }
        return Saved(epoch: epoch, history: records, settings: settings, identity: file.metadata["identity"])
    }
}
