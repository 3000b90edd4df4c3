import Communication
import Datasets
import NeuralNetwork

/// What the trainer does differently on K replicas (`mpirun -np K`): each rank trains its share of
/// every global batch (the same global shuffle on every rank), batch norms normalise over the
/// global batch, and the gradients are summed with one bucketed allreduce per step, so K ranks
/// with global batch B take the steps one process takes with batch B (to float-summation
/// tolerance). On one rank every method here is the identity.
public struct DataParallel {
    /// The replicas.
    public let communicator: any Communicator

    /// The data-parallel steps over `communicator`'s ranks.
    public init(communicator: any Communicator) { self.communicator = communicator }

    /// Whether there is more than one replica.
    public var isDistributed: Bool { communicator.size > 1 }

    /// Makes the replicas identical at the start of a run: rank 0's parameters and buffers (its
    /// initial weights or its restored checkpoint) are broadcast to every rank, and the model's
    /// batch norms are synchronised over the replicas.
    /// - Parameter model: this rank's replica.
    /// - Throws: `CommunicatorError` when the transport fails.
    public func prepare(_ model: any Module) throws {
        guard isDistributed else { return }
        model.synchroniseBatchNorm(over: communicator)
        let parameters = model.parameters, buffers = model.namedBuffers().map(\.buffer)
        let values = try communicator.broadcast(parameters.map(\.value.scalars) + buffers.map(\.values), root: 0)
        for (p, v) in zip(parameters, values) { p.assign(v) }
        for (b, v) in zip(buffers, values.dropFirst(parameters.count)) { b.values = v }
    }

    /// Undoes ``prepare(_:)``'s batch-norm synchronisation (the model may be used alone afterwards).
    /// - Parameter model: this rank's replica.
    public func finish(_ model: any Module) {
        if isDistributed { model.synchroniseBatchNorm(over: nil) }
    }

    /// A source of this rank's training samples of an epoch: the whole batches on one rank, the
    /// rank's shares on several (``TrainingTask/trainingShares(epoch:part:of:)``), each with the
    /// global batch's sample count.
    /// - Parameters:
    ///   - task: the task.
    ///   - epoch: the epoch.
    /// - Returns: batch `i`'s samples for this rank and the global batch's count.
    public func trainingBatches(of task: any TrainingTask, epoch: Int) -> @Sendable (Int) -> (share: Batch, globalCount: Int) {
        guard isDistributed else {
            let make = task.trainingBatches(epoch: epoch)
            return { index in
                let batch = make(index)
                return (batch, batch.count)
            }
        }
        return task.trainingShares(epoch: epoch, part: communicator.rank, of: communicator.size)
    }

    /// Whether a global batch of `count` samples is trained on: not when it has fewer samples
    /// than there are ranks (every rank then skips it alike).
    /// - Parameter count: the global batch's sample count.
    /// - Returns: `count >= size`.
    public func trains(globalCount count: Int) -> Bool { count >= communicator.size }

    /// The seed of the backward pass for a share of `share` samples of a global batch of `global`:
    /// the share's weight in the global mean loss.
    /// - Parameters:
    ///   - share: samples in this rank's share.
    ///   - global: samples in the global batch.
    /// - Returns: `share / global` (exactly 1 on one rank).
    public func lossScale(share: Int, global: Int) -> Float {
        isDistributed ? Float(share) / Float(global) : 1
    }

    /// Sums the gradients of `parameters` over the replicas, together with the step's statistics
    /// (loss sum, metric sum, samples), in one allreduce of one bucket.
    /// - Parameters:
    ///   - parameters: the replica's parameters; those with a gradient are summed (the same on every rank).
    ///   - statistics: this rank's values to add up (sent as `Float`).
    /// - Returns: the statistics summed over the replicas.
    /// - Throws: `CommunicatorError` when the transport fails.
    public func synchronise(_ parameters: [Parameter], statistics: [Double]) throws -> [Double] {
        guard isDistributed else { return statistics }
        let trained = parameters.filter { $0.grad != nil }
        var bucket = [Float]()
        bucket.reserveCapacity(trained.reduce(statistics.count) { $0 + $1.value.count })
        for p in trained { bucket += p.grad! }
        bucket += statistics.map { Float($0) }
        try communicator.allreduce(&bucket, .sum)
        var start = 0
        for p in trained {
            p.replaceGradient(Array(bucket[start..<(start + p.value.count)]))
            start += p.value.count
        }
        return bucket[start...].map { Double($0) }
    }

    /// This rank's evaluation batches: every K-th, starting at the rank.
    /// - Parameter batches: all evaluation batches.
    /// - Returns: the ones this rank evaluates.
    public func shareOfEvaluation(_ batches: [Batch]) -> [Batch] {
        guard isDistributed else { return batches }
        return batches.enumerated().filter { $0.offset % communicator.size == communicator.rank }.map(\.element)
    }

    /// Sums per-rank totals (loss, metric, samples) over the replicas, in double precision.
    /// - Parameter values: this rank's totals.
    /// - Returns: the totals over every rank.
    /// - Throws: `CommunicatorError` when the transport fails.
    public func total(_ values: [Double]) throws -> [Double] {
        guard isDistributed else { return values }
        var values = values
        try communicator.allreduce(&values, .sum)
        return values
    }
}
