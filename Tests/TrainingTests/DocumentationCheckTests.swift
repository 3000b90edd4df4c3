import Foundation
import TestSupport
import Testing

/// `wconv check-docs` on this package's own README, Docs/ and DocC articles: every `wconv`
/// command line parses with the real argument parser and every relative link names a file.
@Suite struct DocumentationCheckTests {
    @Test(.enabled(if: WConvTool.isBuilt, "needs the wconv built beside the tests"))
    func documentedCommandsParseAndLinksResolve() throws {
        let outcome = try WConvTool.run(["check-docs", WConvTool.packageFolder])
        #expect(outcome.status == 0, "\(outcome.log)")
        #expect(outcome.output.contains("checked"))
    }

    /// The check itself fails on an unknown flag, a value the parser refuses and a missing link.
    @Test(.enabled(if: WConvTool.isBuilt, "needs the wconv built beside the tests"))
    func plantedMistakesFail() throws {
        let root = NSTemporaryDirectory() + "wconv-docs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/Docs", withIntermediateDirectories: true)
        try "# Notes\n\nSee [the guide](Docs/Guide.md).\n".write(toFile: root + "/README.md", atomically: true, encoding: .utf8)
        let guide = """
            ```
            wconv compare --task classification --seeds 1,2   # fine
            wconv train --no-such-flag 3
            mpirun -np 2 .build/release/wconv train --method sideways \\
                --epochs 1
            ```
            The tune command (`wconv tune --show fmnist7`) prints a table; [missing](../nowhere.md).
            """
        try guide.write(toFile: root + "/Docs/Guide.md", atomically: true, encoding: .utf8)
        let outcome = try WConvTool.run(["check-docs", root])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("Docs/Guide.md:3: wconv train --no-such-flag 3: Unknown option"), "\(outcome.log)")
        #expect(outcome.errors.contains("Docs/Guide.md:4: wconv train --method sideways --epochs 1: The value 'sideways' is invalid"), "\(outcome.log)")
        #expect(outcome.errors.contains("Docs/Guide.md:7: link to ../nowhere.md: no such file"), "\(outcome.log)")
        #expect(outcome.errors.contains("3 problems"), "\(outcome.log)")
        #expect(outcome.output.contains("checked 4 wconv command lines and 2 relative links in 2 files"), "\(outcome.log)")
    }
}
