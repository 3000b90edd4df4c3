import Datasets
import Foundation
import NeuralNetwork

/// A training run's state after an epoch: parameters, buffers, optimiser state, the epoch and
/// the history so far, saved atomically as one safetensors file so that a resumed run
/// continues exactly where the saved one stopped.
public enum Checkpoint {
    /// Saves the state.
    /// - Throws: ``DataError`` when the file cannot be written.
    public static func save(model: any Module, optimizer: Optimizer, epoch: Int, history: [EpochRecord],
                            settings: TrainingSettings, to path: String) throws {
        var file = weights(of: model)
        for (key, values) in optimizer.state { file.tensors["optimizer." + key] = ([values.count], values) }
        file.metadata["epoch"] = String(epoch)
        file.metadata["history"] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        file.metadata["settings"] = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try file.write(to: path)
    }

    /// The model's parameters and buffers under their PyTorch-style names.
    public static func weights(of model: any Module) -> SafeTensors {
        var file = SafeTensors()
        for (name, p) in model.namedParameters() { file.tensors[name] = (p.value.shape, p.value.scalars) }
        for (name, b) in model.namedBuffers() { file.tensors[name] = ([b.values.count], b.values) }
        return file
    }

    /// Loads parameters and buffers into `model` (every one must be present with its size).
    /// - Throws: ``TrainingError`` naming the first missing or mismatched tensor.
    public static func load(_ file: SafeTensors, into model: any Module, path: String) throws {
        for (name, p) in model.namedParameters() {
            guard let t = file.tensors[name], t.values.count == p.value.count else {
                throw TrainingError("\(path): tensor \(name) is missing or has the wrong size for this model")
            }
            p.assign(t.values)
        }
        for (name, b) in model.namedBuffers() {
            guard let t = file.tensors[name], t.values.count == b.values.count else {
                throw TrainingError("\(path): buffer \(name) is missing or has the wrong size for this model")
            }
            b.values = t.values
        }
    }

    /// Restores a saved state into a freshly built model and optimiser.
    /// - Returns: the last completed epoch and the history.
    /// - Throws: ``DataError`` or ``TrainingError`` for an unreadable or mismatched checkpoint.
    public static func restore(from path: String, model: any Module, optimizer: Optimizer) throws -> (epoch: Int, history: [EpochRecord]) {
        let file = try SafeTensors.read(path)
        try load(file, into: model, path: path)
        var state: [String: [Float]] = [:]
        for (key, tensor) in file.tensors where key.hasPrefix("optimizer.") { state[String(key.dropFirst(10))] = tensor.values }
        try optimizer.load(state: state)
        guard let epoch = file.metadata["epoch"].flatMap(Int.init), let history = file.metadata["history"],
              let records = try? JSONDecoder().decode([EpochRecord].self, from: Data(history.utf8)) else {
            throw TrainingError("\(path): checkpoint metadata (epoch, history) is missing or corrupt")
        }
        return (epoch, records)
    }
}
