import Foundation
import TestSupport
import Testing

/// Every option of every `wconv` command fed 0, −1, 2³¹, 2⁶², NaN, ∞, empty and a word (the
/// `OptionTable`): each case ends in a clean error (exit 1 or 64 with `Error: …`) or a correct
/// run, never a trap, a signal, a hang or exit 0 with NaN output. Needs the `wconv` built beside
/// the tests; runs in the release pass of `scripts/test` (about 1 100 short processes).
@Suite struct OptionTableTests {
    static let wconv = OptionTable.wconv

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "wconv-options-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try OptionTable.writeInputs(to: path)
        return path
    }

    @Test(.enabled(if: wconv != nil, "needs the wconv built beside the tests"))
    func theTableListsEveryOptionOfEveryCommand() throws {
        for command in OptionTable.commands {
            #expect(try OptionTable.helpOptions(command.words, wconv: Self.wconv!) == command.options,
                    "wconv \(command.words.joined(separator: " ")) --help lists other options than the table")
        }
        let (_, top) = try OptionTable.run(Self.wconv!, ["--help"], in: NSTemporaryDirectory(), checkOnly: false)
        let (_, bench) = try OptionTable.run(Self.wconv!, ["bench", "--help"], in: NSTemporaryDirectory(), checkOnly: false)
        let listed = Set(OptionTable.commands.map { $0.words.joined(separator: " ") })
        for (prefix, help) in [("", top), ("bench ", bench)] {
            let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
            for line in section.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
                guard let word = line.split(separator: " ").first.map(String.init), word.first?.isLowercase == true,
                      word != "help", word != "bench" else { continue }
                // A command with a positional argument is listed with a stand-in for it (`export run`).
                #expect(listed.contains { $0 == prefix + word || $0.hasPrefix(prefix + word + " ") },
                        "wconv \(prefix)\(word) is missing from the option table")
            }
        }
    }

    @Test(.enabled(if: wconv != nil && !isDebugBuild, "needs the wconv built beside the tests; runs in the release pass"))
    func everyOptionEndsInACleanErrorOrACorrectRun() throws {
        let problems = OptionTable.problems(of: OptionTable.cases, wconv: Self.wconv!, folder: try folder())
        #expect(problems.isEmpty, "\(problems.count) cases:\n\(problems.prefix(30).joined(separator: "\n"))")
    }
}
