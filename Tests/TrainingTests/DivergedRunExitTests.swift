import Foundation
import TestSupport
import Testing

/// `wconv train` and `wconv compare` with a learning rate far too large: the runs stop, their
/// results say `"diverged" : true`, and the command exits with code 1 naming the divergence.
/// Needs the release `wconv` beside the tests and the Fashion-MNIST package (a few seconds).
@Suite struct DivergedRunExitTests {
    static let ready = OptionTable.wconv != nil && TinyStudy.installed && !isDebugBuild

    @Test(.enabled(if: ready, "needs a release wconv beside the tests and Fashion-MNIST"))
    func aDivergedTrainingOrComparisonExitsWithAnError() throws {
        let folder = NSTemporaryDirectory() + "wconv-diverged-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tiny = ["--task", "classification", "--lr", "1e6", "--train-subset", "128", "--test-subset", "64", "--epochs", "2",
                    "--threads", "1"]
        let (trainStatus, trainOutput) = try OptionTable.run(OptionTable.wconv!, ["train"] + tiny + ["--output", "t"], in: folder, checkOnly: false)
        #expect(trainStatus == 1 && trainOutput.contains("Error: training diverged"), "\(trainOutput.suffix(600))")
        let result = try String(contentsOfFile: folder + "/t/result.json", encoding: .utf8)
        #expect(result.contains("\"diverged\" : true"))
        let (compareStatus, compareOutput) = try OptionTable.run(OptionTable.wconv!, ["compare"] + tiny + ["--seeds", "1", "--output", "c"],
                                                                 in: folder, checkOnly: false)
        #expect(compareStatus == 1 && compareOutput.contains("1 of 1 DIVERGED") && compareOutput.contains("diverged"),
                "\(compareOutput.suffix(600))")
    }
}
