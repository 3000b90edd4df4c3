import Communication
import Datasets
import NeuralNetwork

/// What the trainer does differently on K replicas (`mpirun -np K`): each rank trains its share of
/// every global batch (the same global shuffle on every rank), batch norms normalise over the
/// global batch, and the gradients are summed in buckets started while the backward pass runs,
/// so K ranks with global batch B take the steps one process takes with batch B (to
/// float-summation tolerance). On one rank every method here is the identity.
public struct DataParallel {
    /// The replicas.
    public let communicator: any Communicator

    /// Whether the gradient sums start during the backward pass (see
    /// ``backward(_:share:global:parameters:statistics:)``); otherwise they start after it.
    public var overlapsBackward = true
    /// Gradient values per bucket of the overlapped sums (4 M values, 16 MB: a few buckets for
    /// VGG-16 or ResNet-18, so the first sums start well before the pass ends).
    public var bucketValues = 1 << 22

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

    /// Runs the backward pass of this replica's loss and sums the gradients of `parameters` over
    /// the replicas, together with the step's statistics (loss sum, metric sum, samples).
    ///
    /// With ``overlapsBackward`` the gradients go into buckets of about ``bucketValues`` values in
    /// the order the backward pass completes them (output layers first); each full bucket starts a
    /// non-blocking allreduce at once, which travels while the pass computes the earlier layers'
    /// gradients; the last bucket carries the statistics, and every sum is waited for before this
    /// returns. Without it, one bucket is summed after the pass. Either way each value is the same
    /// sum over the replicas, so the result does not depend on the bucketing.
    /// - Parameters:
    ///   - loss: this replica's loss of its share.
    ///   - share: samples in this rank's share.
    ///   - global: samples in the global batch (the loss is seeded with `share / global`).
    ///   - parameters: the replica's parameters; those with a gradient are summed (the same on every rank).
    ///   - statistics: this rank's values to add up (sent as `Float`).
    /// - Returns: the statistics summed over the replicas, and the seconds spent waiting for the
    ///   sums after the backward pass (the communication the pass did not hide).
    /// - Throws: `CommunicatorError` when the transport fails (also inside the backward pass,
    ///   from synchronised batch norm).
    public func backward(_ loss: Variable, share: Int, global: Int, parameters: [Parameter],
                         statistics: [Double]) throws -> (statistics: [Double], waitSeconds: Double) {
        let scale = lossScale(share: share, global: global)
        guard isDistributed else {
            try loss.backward(scale: scale, whenFinal: { _ in })
            return (statistics, 0)
        }
        let summed = Set(parameters.map(ObjectIdentifier.init))
        var buckets: [(parameters: [Parameter], sum: any PendingSum)] = []
        var filling: [Parameter] = [], filled = 0, started = Set<ObjectIdentifier>()
        func startBucket(with extra: [Float] = []) throws {
            var values = [Float]()
            values.reserveCapacity(filling.reduce(extra.count) { $0 + $1.value.count })
            for p in filling { values += p.grad! }
            buckets.append((filling, try communicator.startAllreduce(values + extra)))
            (filling, filled) = ([], 0)
        }
        try loss.backward(scale: scale) { parameter in
            guard overlapsBackward, summed.contains(ObjectIdentifier(parameter)) else { return }
            started.insert(ObjectIdentifier(parameter))
            filling.append(parameter)
            filled += parameter.value.count
            for bucket in buckets { try bucket.sum.progress() }
            if filled >= bucketValues { try startBucket() }
        }
        filling += parameters.filter { $0.grad != nil && !started.contains(ObjectIdentifier($0)) }
        let waitStart = ContinuousClock.now
        try startBucket(with: statistics.map { Float($0) })
        var totals: [Double] = []
        for bucket in buckets {
            let values = try bucket.sum.wait()
            var start = 0
            for p in bucket.parameters {
                p.replaceGradient(Array(values[start..<(start + p.value.count)]))
                start += p.value.count
            }
            totals = values[start...].map { Double($0) }
        }
        let waited = ContinuousClock.now - waitStart
        return (totals, Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18)
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
