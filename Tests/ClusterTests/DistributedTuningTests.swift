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
        static func study() throws -> DensityStudy {
            let settings = try TinyStudy.settings(trainingSubset: 150, evaluationSubset: 50, budget: 1)
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
    }
}
