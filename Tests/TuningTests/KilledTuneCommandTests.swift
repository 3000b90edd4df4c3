import Foundation
import TestSupport
import Testing
import Tuning

/// `wconv tune --task series` killed (SIGKILL) in the middle of its search and run again with
/// `--resume`, as a user would: the evaluations recorded before the kill are read back, not
/// retrained, and the study ends with its whole budget and its final runs. Runs the release
/// `wconv` built beside the tests (a few seconds).
@Suite struct KilledTuneCommandTests {
    static let ready = WConvTool.isBuilt && !isDebugBuild

    /// The optimiser's budget of the study.
    static let budget = 6

    /// The `tune` command line of a small series study on the files in `data`: a 3-tap
    /// series-small, no noise measurement or re-evaluation, two final seeds of one epoch. Each
    /// evaluation trains 8 epochs on 480 series (about 0.2 s on the 2-core AMD EPYC), so that the
    /// study is still searching when the test kills it.
    static func tune(data: String) -> [String] {
        ["tune", "--task", "series", "--problem", "Slopes", "--data-dir", data, "--batch-size", "8", "--kernel-size", "3", "--den", "0.5",
         "--epochs", "8", "--final-epochs", "1", "--threads", "1", "--study", "slopes", "--output", data + "/tune", "--budget", String(budget),
         "--noise-seeds", "0", "--reevaluate", "0", "--final-seeds", "1,2"]
    }

    /// The evaluations recorded in the study at `path` (read-only, as `tune --show` reads it).
    static func evaluations(_ path: String) throws -> [EvaluationRecord] {
        try StudyStore.open(path: path, readOnly: true).evaluations()
    }

    @Test(.enabled(if: ready, "needs a release wconv beside the tests"))
    func aTuneKilledMidStudyResumesWithoutRetrainingAndFinishes() throws {
        let data = NSTemporaryDirectory() + "wconv-killed-tune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        try SlopeSeries.write(data + "/Slopes_TRAIN.ts", count: 600, seed: 1)
        try SlopeSeries.write(data + "/Slopes_TEST.ts", count: 8, seed: 2)
        let folder = data + "/tune/slopes", path = folder + "/study.sqlite"

        let process = Process()
        process.executableURL = URL(fileURLWithPath: WConvTool.path)
        process.arguments = Self.tune(data: data)
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        // Kill it once two evaluations are recorded (the search makes 3 + budget at most).
        let deadline = ContinuousClock.now + .seconds(120)
        var seen = 0
        while process.isRunning, seen < 2, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            seen = (try? Self.evaluations(path).count) ?? 0
        }
        try #require(process.isRunning && seen >= 2, "the study ended, or recorded \(seen) evaluations in two minutes, before it was killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let before = try Self.evaluations(path)
        #expect(before.count >= 2)

        let resumed = try WConvTool.run(Self.tune(data: data) + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.log)")
        let after = try Self.evaluations(path)
        // Every field equal, the wall time included: read back, not trained again.
        #expect(Array(after.prefix(before.count)) == before)
        #expect(resumed.errors.components(separatedBy: "(from the study file)").count - 1 >= before.count, "\(resumed.log)")
        #expect(after.count > before.count && after.map(\.index) == Array(1...after.count))
        for (i, record) in after.enumerated() {
            #expect(!after[..<i].contains { $0.matches(record.point) && ($0.role == .standard) == (record.role == .standard) },
                    "evaluation \(record.index) repeats an earlier one")
        }
        #expect(resumed.errors.contains("[tune \(Self.budget)/\(Self.budget)]"), "\(resumed.log)")
        let report = try StudyReport(store: try StudyStore.open(path: path, readOnly: true))
        #expect(report.records == after)
        #expect(report.finals.map(\.name) == ["standard", "hand-picked", "tuned"])
        #expect(report.finals.allSatisfy { $0.test.runs.count == 2 })
        #expect(FileManager.default.fileExists(atPath: folder + "/report.txt") && resumed.output.contains("chosen density"), "\(resumed.log)")
    }
}
