import CSQLite
import Foundation
import Testing
import Training
import Tuning

/// An evaluation whose runs fail is recorded as failed with its reason, scores the objective's
/// penalty, is never the best, and the study goes on; study files of format 1 are still read.
@Suite struct FailedEvaluationTests {
    static func path() -> String { NSTemporaryDirectory() + "wconv-failed-\(UUID().uuidString).sqlite" }

    /// The known-score worker of ``DensityStudyTests``, failing on the calls in `failing`.
    static func worker(failing: Set<Int>, calls: DensityStudyTests.Counter) -> (EvaluationRequest) throws -> EvaluationOutcome {
        let succeed = DensityStudyTests.worker(calls: DensityStudyTests.Counter())
        return { request in
            calls.count += 1
            if failing.contains(calls.count) { throw EvaluationFailure(reasons: ["seed 1: the run was killed by signal 9 (call \(calls.count))"]) }
            return try succeed(request)
        }
    }

    @Test func failedEvaluationsAreRecordedWithThePenaltyAndTheStudyGoesOn() throws {
        let settings = try DensityStudyTests.settings(budget: 12)
        let path = Self.path()
        let calls = DensityStudyTests.Counter()
        let records = try DensityStudyTests.study(settings, path: path, worker: Self.worker(failing: [2, 6], calls: calls)).search()
        let failed = records.filter { $0.failure != nil }
        #expect(failed.map(\.index) == [2, 6])
        #expect(failed.allSatisfy { $0.status == "failed" && $0.scores == [10, 10] && $0.failure!.contains("signal 9") })
        #expect(records.filter { $0.failure == nil }.allSatisfy { $0.status == "ok" })
        let best = try #require(settings.best(of: records))
        #expect(best.failure == nil && best.score > 80)
        #expect(settings.best(of: failed) == nil, "a failed evaluation is never the best, whatever its penalty")

        let stored = try StudyStore.open(path: path, readOnly: true).evaluations()
        #expect(stored == records)
        let report = try StudyReport(store: StudyStore.open(path: path, readOnly: true))
        #expect(report.evaluationTable.contains("#2 failed (scored the penalty 10.000 ± 0.000): seed 1: the run was killed by signal 9 (call 2)"))
        #expect(report.csv.text.contains("failed") && report.csv.text.contains("killed by signal 9 (call 6)"))
        #expect(try JSONFiles.text(report, pretty: false).contains("\"failure\""))

        let replay = DensityStudyTests.Counter()
        let resumed = try DensityStudyTests.study(settings, path: path, worker: Self.worker(failing: [], calls: replay)).search()
        #expect(resumed == records && replay.count == 0, "a failed evaluation is answered from the store like any other")
    }

    /// In one process, the error of every seed's run becomes the evaluation's failure.
    @Test func runsThatThrowMakeAnEvaluationFailure() throws {
        var experiment = Experiment()
        experiment.dataDirectory = "/nonexistent/wconv-data"
        let request = EvaluationRequest(experiment: experiment, settings: TrainingSettings(), arm: .standard, seeds: [4, 5], validation: nil)
        let failure = #expect(throws: EvaluationFailure.self) { try evaluate(request, jobs: 2, showsProgress: false) }
        #expect(failure?.reasons.count == 2 && failure?.reasons[0].hasPrefix("seed 4: ") == true
                && failure?.description.contains("/nonexistent/wconv-data") == true, "\(failure.map { "\($0)" } ?? "")")
    }

    @Test func aFailingStandardConvolutionStopsTheStudy() throws {
        let settings = try DensityStudyTests.settings(budget: 3)
        let path = Self.path()
        let error = #expect(throws: TuningError.self) {
            try DensityStudyTests.study(settings, path: path, worker: Self.worker(failing: [1], calls: DensityStudyTests.Counter())).search()
        }
        #expect(error?.description.contains("standard convolution") == true)
        #expect(try StudyStore.open(path: path).evaluations().isEmpty)
    }

    /// A study file as the previous program wrote it (format 1: no `failure` column).
    static func formatOneFile(settings: StudySettings) throws -> String {
        let path = Self.path()
        var database: OpaquePointer?
        #expect(sqlite3_open(path, &database) == SQLITE_OK)
        defer { sqlite3_close(database) }
        let settingsJSON = try JSONFiles.text(settings, pretty: false).replacingOccurrences(of: "'", with: "''")
        let sql = """
            PRAGMA application_id = \(0x5743_7374); PRAGMA user_version = 1;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE evaluation (idx INTEGER PRIMARY KEY, role TEXT NOT NULL, point TEXT NOT NULL, seeds TEXT NOT NULL,
              scores TEXT NOT NULL, diverged TEXT NOT NULL, score REAL, spread REAL, seconds REAL NOT NULL,
              status TEXT NOT NULL, finished TEXT NOT NULL);
            INSERT INTO meta VALUES ('settings', '\(settingsJSON)');
            INSERT INTO evaluation VALUES (1, 'standard', '[1,1]', '[1,2]', '[81.5,82.5]', '[false,false]', 82, 0.7, 3.5, 'ok', '2026-12-01T10:00:00Z');
            """
        #expect(sqlite3_exec(database, sql, nil, nil, nil) == SQLITE_OK)
        return path
    }

    static func userVersion(_ path: String) -> Int32 {
        var database: OpaquePointer?, statement: OpaquePointer?
        sqlite3_open(path, &database)
        defer { sqlite3_close(database) }
        sqlite3_prepare_v2(database, "PRAGMA user_version", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        sqlite3_step(statement)
        return sqlite3_column_int(statement, 0)
    }

    @Test func formatOneFilesAreReadAsTheyAreAndMigratedWhenWritten() throws {
        let settings = try DensityStudyTests.settings(budget: 4)
        let path = try Self.formatOneFile(settings: settings)
        let old = try StudyStore.open(path: path, readOnly: true).evaluations()
        #expect(old.count == 1 && old[0].scores == [81.5, 82.5] && old[0].failure == nil && old[0].status == "ok")
        #expect(Self.userVersion(path) == 1, "reading does not change the file")

        let failed = EvaluationRecord(index: 2, role: .reference, point: [0.5, 0.8], seeds: [1, 2], scores: [10, 10], diverged: [false, false],
                                      seconds: 1, failure: "seed 2: exited with code 3")
        do {   // the writer ends with this block: a study has one writer at a time
            let store = try StudyStore.open(path: path)
            #expect(Self.userVersion(path) == 2)
            #expect(try store.evaluations() == old)
            try store.append(failed)
        }
        #expect(try StudyStore.open(path: path, readOnly: true).evaluations() == old + [failed])
        let resumed = try DensityStudyTests.study(settings, path: path, worker: DensityStudyTests.worker(calls: DensityStudyTests.Counter())).search()
        #expect(Array(resumed.prefix(2)) == old + [failed] && resumed.count > 4)
    }
}
