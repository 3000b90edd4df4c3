import Foundation
import TestSupport
import Testing
import Training
import Tuning

/// A real study on a few hundred Fashion-MNIST images (when the Debian package is installed):
/// a study killed after two evaluations and resumed with two jobs gives the same records as an
/// uninterrupted one with one job; the final runs score on the test set.
@Suite struct TuneEndToEndTests {
    struct Killed: Error {}

    static let installed = TinyStudy.installed

    static func settings() throws -> StudySettings { try TinyStudy.settings(trainingSubset: 250, evaluationSubset: 100, budget: 3) }

    static func study(at path: String, jobs: Int, killAt: Int? = nil) throws -> DensityStudy {
        let settings = try settings()
        let store = FileManager.default.fileExists(atPath: path) ? try StudyStore.open(path: path) : try StudyStore.create(path: path, settings: settings)
        var study = try DensityStudy(settings: settings, store: store, jobs: jobs)
        var calls = 0
        let worker = study.worker
        study.worker = { request in
            calls += 1
            if calls == killAt { throw Killed() }
            return try worker(request)
        }
        return study
    }

    @Test(.enabled(if: installed))
    func killedStudyResumesToTheUninterruptedOne() throws {
        let whole = NSTemporaryDirectory() + "wconv-tune-\(UUID().uuidString).sqlite"
        let expected = try Self.study(at: whole, jobs: 1).search()
        #expect(expected.map(\.role) == [.standard, .reference, .centre, .search, .search])

        let killed = NSTemporaryDirectory() + "wconv-tune-\(UUID().uuidString).sqlite"
        #expect(throws: Killed.self) { try Self.study(at: killed, jobs: 1, killAt: 3).search() }
        let resumed = try Self.study(at: killed, jobs: 2).search()
        #expect(resumed.map(TinyStudy.key) == expected.map(TinyStudy.key))

        let finals = try Self.study(at: killed, jobs: 2).finalRuns(records: resumed)
        #expect(finals.map(\.name) == ["standard", "hand-picked", "tuned"])
        #expect(finals.allSatisfy { $0.test.runs.count == 1 && $0.test.runs[0].finalMetric > 10 && $0.test.baselineName == "chance" })
        let report = try StudyReport(store: try StudyStore.open(path: killed, readOnly: true))
        #expect(report.finalTable.contains("chosen density") && report.csv.rows.count == 5)
    }
}
