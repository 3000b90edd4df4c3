import Cluster
import Communication
import Foundation
import TestSupport
import Testing
import Training
import Tuning

/// `mpirun -np K wconv tune`: rank 0 runs the study and hands each seed of an evaluation to a
/// free rank; the study it records equals the one a single process records (a few hundred
/// Fashion-MNIST images, when the Debian package is installed).
extension MPITests {
    @Suite struct DistributedTuningTests {
        /// A new study in a temporary file.
        static func study(seeds: [UInt64] = [1, 2], objective: TuningObjective = .accuracy) throws -> DensityStudy {
            var settings = try TinyStudy.settings(trainingSubset: 150, evaluationSubset: 50, budget: 1)
            settings.seeds = seeds
            settings.objective = objective
            let path = NSTemporaryDirectory() + "wconv-cluster-tune-\(UUID().uuidString).sqlite"
            return try DensityStudy(settings: settings, store: try StudyStore.create(path: path, settings: settings))
        }

        @Test(.enabled(if: TinyStudy.installed))
        func studyOnTheRanksEqualsTheSingleProcessStudy() throws {
            let world = try MPICommunicator.world()
            let dispatcher = try Dispatcher(communicator: world)
            let work = { (request: EvaluationRequest) in try evaluate(request, showsProgress: false) }
            if world.isRoot {
                defer { try? dispatcher.endBatches() }
                let alone = try Self.study().search()
                var distributed = try Self.study()
                var batches = 0
                distributed.worker = { request in
                    try evaluate(request, seedJobs: { jobs in
                        batches += 1
                        return try dispatcher.mapBatch(jobs, work).map(\.result)
                    })
                }
                let records = try distributed.search()
                let key = TinyStudy.key
                #expect(records.count >= 3 && batches == records.count)
                #expect(records.map(key) == alone.map(key))
                #expect(try distributed.store.evaluations().map(key) == alone.map(key))
            } else {
                try dispatcher.serveBatches(work)
            }
            try world.barrier()
        }

        /// With more ranks than seeds, the ranks form one group per seed and each seed's run is
        /// data-parallel over its group: on 2 ranks with 1 seed, one group of 2 ranks. The study
        /// proposes the same points and scores them as one process does, to float-summation
        /// tolerance (on the validation loss: an accuracy on 30 images near chance level moves in
        /// steps of 3.3 points when rounding flips one prediction).
        @Test(.enabled(if: TinyStudy.installed))
        func rankGroupsTrainEachSeedDataParallelWithTheSingleProcessResults() throws {
            let world = try MPICommunicator.world()
            let groups = try RankGroups(world: world, groups: 1)
            #expect(groups.group.size == world.size && groups.index == 0)
            var runs = 0
            let counted = SumCountingCommunicator(groups.group)
            let work = { (request: EvaluationRequest, group: any Communicator) in
                runs += 1
                #expect(group.size == world.size)
                counted.base = group
                return try evaluate(request, showsProgress: false, replicas: counted)
            }
            if world.isRoot {
                defer { try? groups.endBatches() }
                let alone = try Self.study(seeds: [1], objective: .loss).search()
                var grouped = try Self.study(seeds: [1], objective: .loss)
                grouped.worker = { request in try evaluate(request, seedJobs: { try groups.mapBatch($0, work) }) }
                let records = try grouped.search()
                #expect(records.count >= 3 && records.map(\.point) == alone.map(\.point))
                for (a, b) in zip(alone, records) {
                    #expect(abs(a.score - b.score) <= 1e-4 * max(1, abs(a.score)), "evaluation \(a.index): \(a.scores) alone, \(b.scores) on \(world.size) ranks")
                }
            } else {
                try groups.serveBatches(work)
                #expect(runs >= 3, "rank \(world.rank) trained in its group")
            }
            #expect(counted.sums > 0, "rank \(world.rank) summed gradients with its group")
            try world.barrier()
        }

        /// The final runs of a study on rank groups equal one process's exactly (they train whole on
        /// the group's first rank; data-parallel, their test losses differed in the fourth digit).
        @Test(.enabled(if: TinyStudy.installed))
        func finalRunsOnRankGroupsEqualTheSingleProcessFinalRuns() throws {
            let world = try MPICommunicator.world()
            let groups = try RankGroups(world: world, groups: 1)
            if world.isRoot {
                defer { try? groups.endBatches() }
                let alone = try Self.study(seeds: [1])
                let aloneFinals = try alone.finalRuns(records: try alone.search())
                var grouped = try Self.study(seeds: [1])
                grouped.worker = { request in try evaluate(request, seedJobs: { try groups.mapBatch($0) { try evaluate($0, group: $1) } }) }
                let groupedFinals = try grouped.finalRuns(records: try grouped.search())
                let scores = { (arms: [FinalArm]) in
                    arms.map { "\($0.name) \($0.test.runs.map { $0.history.map { [$0.evaluationLoss, $0.evaluationMetric] } })" }
                }
                #expect(groupedFinals.count == 3 && scores(groupedFinals) == scores(aloneFinals))
            } else {
                try groups.serveBatches { (request: EvaluationRequest, group: any Communicator) in try evaluate(request, group: group) }
            }
            try world.barrier()
        }
    }
}

/// Forwards to another communicator and counts the gradient sums that pass through it: a run that
/// ignored its group would train alone, equal on tiny data, and sum nothing.
final class SumCountingCommunicator: Communicator {
    /// The communicator every call goes to.
    var base: any Communicator
    /// Sums started or taken so far.
    private(set) var sums = 0

    init(_ base: any Communicator) { self.base = base }

    var rank: Int { base.rank }
    var size: Int { base.size }
    func barrier() throws(CommunicatorError) { try base.barrier() }
    func broadcast(_ values: inout [Float], root: Int) throws(CommunicatorError) { try base.broadcast(&values, root: root) }
    func allreduce(_ values: inout [Float], _ reduction: Reduction) throws(CommunicatorError) {
        sums += 1
        try base.allreduce(&values, reduction)
    }
    func allreduce(_ values: inout [Double], _ reduction: Reduction) throws(CommunicatorError) {
        sums += 1
        try base.allreduce(&values, reduction)
    }
    func startAllreduce(_ values: [Float]) throws(CommunicatorError) -> any PendingSum {
        sums += 1
        return try base.startAllreduce(values)
    }
    func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CommunicatorError) { try base.send(bytes, to: destination, tag: tag) }
    func receive(from source: Int?, tag: Int?, timeout: Double) throws(CommunicatorError) -> Message? {
        try base.receive(from: source, tag: tag, timeout: timeout)
    }
}
