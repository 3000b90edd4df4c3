import Foundation
import Testing
import Training
import Tuning

/// A study's checks around its search, with a worker whose scores are known: the noise measured
/// first, the best candidates re-evaluated on fresh seeds (a density that was lucky on the search
/// seeds is not chosen), paired test intervals, and studies made before these checks.
@Suite struct StudyChecksTests {
    static func settings() throws -> StudySettings {
        var settings = try DensityStudyTests.settings(budget: 12)
        settings.noiseSeeds = StudySettings.noiseSeeds(count: 3)
        settings.candidates = 3
        settings.finalSeeds = [11, 12, 13, 14, 15]
        settings.settings.preciseBatchNorm = 32
        return settings
    }

    /// ``DensityStudyTests/worker(calls:failAt:)``, except that the box centre scores 20 points more
    /// than it should on the search seeds (1, 2) only: the search's best is a lucky draw.
    static func luckyCentre(calls: DensityStudyTests.Counter) -> (EvaluationRequest) throws -> EvaluationOutcome {
        let honest = DensityStudyTests.worker(calls: calls)
        return { request in
            var outcome = try honest(request)
            if case .fixed(let profiles) = request.arm, profiles[0] == [0.525, 1], request.seeds.allSatisfy({ $0 < 3 }) {
                for i in outcome.runs.indices { outcome.runs[i].history[0].evaluationMetric += 20 }
            }
            return outcome
        }
    }

    @Test func noiseIsMeasuredFirstAndTheReevaluatedCandidateIsChosen() throws {
        let settings = try Self.settings()
        let path = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        let calls = DensityStudyTests.Counter()
        var study = try DensityStudyTests.study(settings, path: path, worker: Self.luckyCentre(calls: calls))
        var notes: [String] = []
        study.note = { notes.append($0) }
        let noise = try study.measureNoise()
        #expect(noise.map(\.role) == [.standard, .reference] && noise.allSatisfy { $0.seeds == [1001, 1002, 1003] })
        // Seeds 1001…1003 add 0.2, 0, 0.1 (seed % 3 · 0.1): a spread of 0.1 on both arms.
        let floor = try #require(NoiseFloor(noise: noise, searchSeeds: 2))
        #expect(abs(floor.seedSpread - 0.1) < 1e-9 && abs(floor.resolution - 0.1959964) < 1e-6)
        let records = try study.search()
        let lucky = try #require(settings.best(of: records))
        #expect(lucky.point == [0.525, 1], "the search's best is the lucky centre")
        let reevaluations = try study.reevaluate(records: records, noise: noise)
        #expect(reevaluations.count == 3 && reevaluations[0].candidate == lucky)
        #expect(reevaluations.allSatisfy { $0.check.seeds == [1001, 1002, 1003] && $0.check.point == $0.candidate.point })
        let chosen = try #require(settings.choice(records: records, reevaluations: reevaluations))
        #expect(chosen.point != lucky.point, "chosen by the re-evaluated mean, not the lucky search score")
        let finals = try study.finalRuns(records: records, noise: noise, reevaluations: reevaluations)
        #expect(finals.map(\.name) == ["standard", "hand-picked", "tuned"] && finals[2].point == chosen.point)
        #expect(finals[0].reevaluation == noise[0] && finals[1].reevaluation == noise[1])
        #expect(finals[2].reevaluation == reevaluations.first { $0.candidate == chosen }?.check)
        #expect(notes.prefix(2) == ["noise.standard", "noise.hand-picked"] && notes.suffix(3) == ["final.standard", "final.hand-picked", "final.tuned"])

        // Everything is read back: a worker that cannot train gives the same report.
        let before = calls.count
        var again = try DensityStudy(settings: settings, store: try StudyStore.open(path: path, readOnly: true))   // `study` still writes it
        again.worker = { _ in throw DensityStudyTests.Killed() }
        #expect(try again.measureNoise() == noise && again.reevaluate(records: records, noise: noise) == reevaluations)
        #expect(calls.count == before)
        let report = try StudyReport(store: try StudyStore.open(path: path, readOnly: true))
        #expect(report.chosen == chosen && report.best == lucky && report.noiseFloor == floor)
        #expect(report.finalTable.contains("re-evaluated, seeds 1001,1002,1003"))
        #expect(report.finalTable.contains("tuned − hand-picked, test accuracy (%) paired by seed: "))
        #expect(report.reevaluationLines.joined().contains("(chosen)"))
        #expect(report.checksCSV.text.split(separator: "\n").count == 1 + 2 + 2 * 3)
        #expect(report.finalCSV.text.split(separator: "\n").count == 1 + 3 * 5, "one line per arm and final seed")
    }

    /// A study file written before the checks (its settings have none of the new fields) still
    /// shows, resumes with its own settings, and with today's defaults says what to give.
    @Test func studiesMadeBeforeTheChecksShowAndSayHowToResume() throws {
        let old = try DensityStudyTests.settings(budget: 3)
        let json = try JSONFiles.text(old, pretty: false)
        #expect(!json.contains("noiseSeeds") && !json.contains("candidates") && !json.contains("preciseBatchNorm"))
        let path = NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite"
        let records = try DensityStudyTests.study(old, path: path, worker: DensityStudyTests.worker(calls: .init())).search()
        let report = try StudyReport(store: try StudyStore.open(path: path, readOnly: true))
        #expect(report.records == records && report.noise.isEmpty && report.reevaluations.isEmpty && report.chosen == report.best)
        #expect(report.checkLines.isEmpty)

        var today = try Self.settings()
        today.budget = 3
        let error = #expect(throws: TuningError.self) {
            try DensityStudyTests.study(today, path: path, worker: DensityStudyTests.worker(calls: .init()))
        }
        let message = error?.description ?? ""
        for option in ["made before studies measured their noise", "--precise-bn 0", "--noise-seeds 0", "--reevaluate 0", "--final-seeds 11,12"] {
            #expect(message.contains(option), "\(option) missing from: \(message)")
        }
        #expect(!message.contains("--budget"))
        let resumed = try DensityStudyTests.study(old, path: path, worker: { _ in throw DensityStudyTests.Killed() })
        #expect(try resumed.search() == records)
        #expect(try resumed.measureNoise().isEmpty && resumed.reevaluate(records: records, noise: []).isEmpty)
    }

    @Test func checksNeedFreshSeeds() throws {
        var settings = try Self.settings()
        settings.seeds = [1, 1002]
        #expect(throws: TuningError.self) { try settings.validate() }
        settings = try Self.settings()
        settings.noiseSeeds = nil
        #expect(throws: TuningError.self) { try settings.validate() }
        settings.candidates = nil
        try settings.validate()
    }
}
