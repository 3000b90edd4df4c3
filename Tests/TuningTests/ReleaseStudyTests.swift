import Foundation
import TestSupport
import Testing
import Training
import Tuning

/// A study file written by an earlier release (before the experiment's names became enums) still
/// opens, and its settings and evaluations read back.
@Suite struct ReleaseStudyTests {
    @Test func aStudyOfAnEarlierReleaseOpens() throws {
        let copy = NSTemporaryDirectory() + "wconv-release-study-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: Fixtures.path("release-study/study.sqlite"), toPath: copy)
        let report = try StudyReport(store: try StudyStore.open(path: copy, readOnly: true))
        #expect(report.settings.experiment.task == .denoising && report.settings.experiment.model == .dncnn)
        #expect(report.settings.objective == .psnr && report.settings.box.kernelSize == 3)
        #expect(report.records.map(\.role.rawValue) == ["standard", "reference", "centre"])
        #expect(report.records.allSatisfy { $0.score.isFinite })
    }
}
