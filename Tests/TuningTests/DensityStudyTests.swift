import Foundation
import Testing
import Training
import Tuning

/// The study's order of work and its resumption, with a worker whose score is a known function
/// of the density (no training): what a kill leaves is finished exactly as an uninterrupted study.
@Suite struct DensityStudyTests {
    struct Killed: Error {}

    static func settings(algorithm: SearchAlgorithm = .directL, budget: Int = 25) throws -> StudySettings {
        var experiment = Experiment()
        experiment.kernelSize = 5
        experiment.den = [0.5, 0.8]
        var training = TrainingSettings()
        training.epochs = 1
        return StudySettings(experiment: experiment, settings: training, box: try .suggested(kernelSize: 5), algorithm: algorithm,
                             budget: budget, objective: .accuracy, seeds: [1, 2], validation: try ValidationSplit(fraction: 0.2, seed: 4),
                             searchSeed: 3, finalSeeds: [11, 12], finalEpochs: 2)
    }

    /// Accuracy peaks at density [0.3, 0.9]; seeds add a small known offset; training on the test
    /// set (final runs) scores 1 point lower.
    static func worker(calls: Counter, failAt: Int? = nil) -> (EvaluationRequest) throws -> EvaluationOutcome {
        { request in
            calls.count += 1
            if calls.count == failAt { throw Killed() }
            let point: [Float] = switch request.arm {
            case .standard: [1, 1]
            case .fixed(let profiles): profiles.flatMap { $0 }
            case .trainable(let den): den
            }
            let (a, b) = (Double(point[0]) - 0.3, Double(point[1]) - 0.9)
            let peak: Double = 90 - 40 * (a * a + b * b) - (request.validation == nil ? 1 : 0)
            let runs = request.seeds.map { seed in
                let accuracy = peak + Double(seed % 3) * 0.1
                let epoch = EpochRecord(epoch: 1, trainingLoss: 1, trainingMetric: accuracy, evaluationLoss: 1, evaluationMetric: accuracy,
                                        learningRate: 1e-3, seconds: 1, imagesPerSecond: 1, densities: [:])
                return RunResult(label: "s\(seed)", history: [epoch], diverged: false, peakMemoryMiB: 0, parameterCount: 1)
            }
            return EvaluationOutcome(metricName: "accuracy (%)", baselineName: "chance", baselineValue: 10, runs: runs, seconds: 2)
        }
    }

    final class Counter: @unchecked Sendable { var count = 0 }

    static func study(_ settings: StudySettings, path: String, worker: @escaping (EvaluationRequest) throws -> EvaluationOutcome) throws -> DensityStudy {
        let store = FileManager.default.fileExists(atPath: path) ? try StudyStore.open(path: path)
            : try StudyStore.create(path: path, settings: settings)
        var study = try DensityStudy(settings: settings, store: store)
        study.worker = worker
        return study
    }

    @Test(arguments: [SearchAlgorithm.directL, .crs2, .random])
    func killedAndResumedEqualsUninterrupted(_ algorithm: SearchAlgorithm) throws {
        let settings = try Self.settings(algorithm: algorithm)
        let whole = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        let uninterrupted = try Self.study(settings, path: whole, worker: Self.worker(calls: Counter())).search()

        let killed = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        #expect(throws: Killed.self) { try Self.study(settings, path: killed, worker: Self.worker(calls: Counter(), failAt: 12)).search() }
        #expect(try StudyStore.open(path: killed).evaluations().count == 11)
        let resumedCalls = Counter()
        let resumed = try Self.study(settings, path: killed, worker: Self.worker(calls: resumedCalls)).search()
        #expect(resumed == uninterrupted)
        #expect(resumedCalls.count == uninterrupted.count - 11, "finished evaluations are answered from the store")
    }

    @Test func standardReferenceAndCentreComeFirstAndTheBestIsRetrainedOnTheTestSet() throws {
        let settings = try Self.settings(budget: 60)
        let path = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        let study = try Self.study(settings, path: path, worker: Self.worker(calls: Counter()))
        var proposals: [Int] = []
        var watched = study
        watched.progress = { if let p = $0.proposal { proposals.append(p) } }
        let records = try watched.search()
        #expect(records.prefix(3).map(\.role) == [.standard, .reference, .centre])
        #expect(records[0].point == [1, 1] && records[1].point == [0.5, Double(Float(0.8))] && records[2].point == [0.525, 1])
        #expect(proposals == Array(1...60))
        let best = try #require(settings.best(of: records))
        #expect(abs(best.point[0] - 0.3) < 0.03 && abs(best.point[1] - 0.9) < 0.03, "best \(best.point)")
        let finals = try study.finalRuns(records: records)
        #expect(finals.map(\.name) == ["standard", "hand-picked", "tuned"])
        #expect(finals[2].test.runs.map(\.label) == ["s11", "s12"])
        #expect(finals[2].validation == best && finals[0].validation?.role == .standard)
        var reader = try DensityStudy(settings: settings, store: try StudyStore.open(path: path, readOnly: true))   // `study` still writes it
        reader.worker = { _ in throw Killed() }
        let again = try reader.finalRuns(records: records)
        #expect(again.map(\.test.runs.count) == [2, 2, 2], "final runs are read back, not retrained")
    }

    @Test func otherSettingsDoNotResumeAStudy() throws {
        let path = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        _ = try Self.study(try Self.settings(budget: 5), path: path, worker: Self.worker(calls: Counter()))
        #expect(throws: TuningError.self) { try Self.study(try Self.settings(budget: 6), path: path, worker: Self.worker(calls: Counter())) }
    }

    @Test func divergedRunsScoreTheTrivialBaselineAndObjectivesFitTheirTask() throws {
        let path = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        var study = try Self.study(try Self.settings(budget: 2), path: path, worker: Self.worker(calls: Counter()))
        let healthy = study.worker
        study.worker = { request in
            var outcome = try healthy(request)
            outcome.runs[1].diverged = true
            return outcome
        }
        let records = try study.search()
        #expect(records.allSatisfy { $0.scores[1] == 10 && $0.diverged == [false, true] && $0.status == "diverged" })
        #expect(TuningObjective.loss.penalty(baseline: 10) == 1e3 && TuningObjective.psnr.penalty(baseline: 20.17) == 20.17)
        #expect(TuningObjective.accuracy.minimised(90) == -90 && TuningObjective.loss.minimised(0.5) == 0.5)
        #expect(throws: TuningError.self) { try TuningObjective.psnr.check(task: .classification) }
        #expect(throws: TuningError.self) { try TuningObjective.accuracy.check(task: .denoising) }
        var mismatched = try Self.settings()
        mismatched.experiment.kernelSize = 7
        #expect(throws: TuningError.self) { try mismatched.validate() }
    }
}
