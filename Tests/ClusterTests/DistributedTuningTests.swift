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
            let work = { (request: EvaluationRequest, group: any Communicator) in
                runs += 1
                #expect(group.size == world.size)
                return try evaluate(request, showsProgress: false, replicas: group)
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
            try world.barrier()
        }
    }
}
