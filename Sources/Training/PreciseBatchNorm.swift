import Communication
import NeuralNetwork

/// Precise batch-norm statistics: every batch norm's running mean and variance recomputed with
/// the current weights over a fixed number of training batches, as a cumulative average in which
/// every batch weighs the same (PyTorch's `update_bn`, `momentum=None`).
///
/// The running statistics a short run leaves behind still carry much of their start (mean 0,
/// variance 1): after `s` steps with momentum 0.1 the start weighs `0.9ˢ` (0.13 after 19 steps),
/// which is far off for layers whose activations are small — a weighted kernel `W ⊙ Φ` with
/// Φ < 1 — so the evaluation then measures how far the running statistics have converged rather
/// than the network. Recomputing them before a score removes that bias.
///
/// The passes are forward passes in inference mode (no gradients, every other layer in evaluation
/// behaviour); on K replicas each rank passes its share of every global batch through the
/// synchronised batch norms (see `DataParallel`), so every rank ends with the statistics one
/// process computes from the whole batches.
public struct PreciseBatchNorm {
    /// Training batches passed through the network (fewer when an epoch has fewer).
    public let batches: Int
    /// The replicas (default: this process alone).
    public let communicator: any Communicator

    /// The recomputation over `batches` training batches.
    /// - Parameters:
    ///   - batches: how many training batches (at least 1).
    ///   - communicator: the replicas whose batch norms are synchronised, as in training.
    public init(batches: Int, communicator: any Communicator = SingleProcess()) {
        self.batches = batches
        self.communicator = communicator
    }

    /// Replaces the running statistics of every `BatchNorm` in `model` by their cumulative
    /// average over the first ``batches`` training batches of `epoch` (the count of tracked
    /// batches is kept). A model without batch norm is left alone.
    /// - Parameters:
    ///   - model: the network (its training or evaluation behaviour is restored afterwards).
    ///   - task: the task whose training batches are used.
    ///   - epoch: the epoch whose batch order (and augmentation) is used.
    /// - Returns: the batches used and the seconds it took.
    /// - Throws: shape or communication errors of the forward passes.
    @discardableResult
    public func recompute(model: any Module, task: any TrainingTask, epoch: Int) throws -> (batches: Int, seconds: Double) {
        let start = ContinuousClock.now
        let norms = Self.batchNorms(in: model)
        guard !norms.isEmpty, batches > 0 else { return (0, 0) }
        let training = model.isTraining
        let tracked = norms.map(\.batchesTracked.values)
        model.setTraining(false)
        for norm in norms {
            norm.resetRunningStatistics()
            norm.isTraining = true
            norm.averagesCumulatively = true
        }
        defer {
            for (norm, count) in zip(norms, tracked) {
                norm.averagesCumulatively = false
                norm.batchesTracked.values = count
            }
            model.setTraining(training)
        }
        let replicas = DataParallel(communicator: communicator)
        let make = replicas.trainingBatches(of: task, epoch: epoch)
        var used = 0
        for index in 0..<min(batches, task.trainingBatchCount(epoch: epoch)) {
            let (batch, globalCount) = make(index)
            guard replicas.trains(globalCount: globalCount) else { continue }
            _ = try withoutGradients { try model(Variable(Tensor(shape: batch.shape, scalars: batch.input))) }
            used += 1
        }
        return (used, seconds(since: start))
    }

    /// Every batch norm of a model, depth first.
    static func batchNorms(in module: any Module) -> [BatchNorm] {
        module.namedModules().compactMap { $0.module as? BatchNorm }
    }
}
