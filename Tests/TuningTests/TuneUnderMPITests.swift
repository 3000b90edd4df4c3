import Foundation
import TestSupport
import Testing
import Tuning

/// `mpirun -np 2 wconv tune` whose seed runs are killed: the worker rank survives its children's
/// deaths, every density evaluation is recorded as failed with the signal, the study ends normally.
/// Needs the `wconv` built beside this test binary, `mpirun` and the Fashion-MNIST package; runs
/// in the release pass of `scripts/test` (a debug `wconv` trains too slowly).
@Suite struct TuneUnderMPITests {
    static let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile)
    static let ready = TinyStudy.installed && mpirun != nil && FileManager.default.isExecutableFile(atPath: folder + "/wconv")

    @Test(.enabled(if: ready && !isDebugBuild, "needs mpirun, Fashion-MNIST and a release wconv beside the tests"))
    func killedSeedRunsAreRecordedAsFailedAndTheStudyEnds() throws {
        let output = NSTemporaryDirectory() + "wconv-mpi-tune-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.mpirun!)
        process.arguments = ["-np", "2", "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : []) + [
            Self.folder + "/wconv", "tune", "--task", "classification", "--kernel-size", "3", "--den", "0.6", "--train-subset", "150",
            "--test-subset", "50", "--batch-size", "50", "--epochs", "1", "--budget", "1", "--seeds", "1,2", "--skip-final",
            "--threads", "1", "--study", "killed", "--output", output]
        process.environment = ProcessInfo.processInfo.environment.merging(["WCONV_TEST_KILL_SEED": "2"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(log)")
        let records = try StudyStore.open(path: output + "/killed/study.sqlite", readOnly: true).evaluations()
        #expect(records.count >= 3 && records[0].role == .standard && records[0].failure == nil)
        for record in records.dropFirst() {
            #expect(record.failure?.contains("seed 2: failed 2 times") == true && record.failure?.contains("killed by signal 9") == true,
                    "evaluation \(record.index): \(record.failure ?? "not failed")")
        }
        #expect(log.contains("FAILED, scored the penalty"))
        let csv = try String(contentsOfFile: output + "/killed/evaluations.csv", encoding: .utf8)
        #expect(csv.contains(",failed,") && csv.contains("killed by signal 9"))
    }
}
