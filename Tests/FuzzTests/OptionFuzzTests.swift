import Foundation
import GridCore
import TestSupport
import Testing

/// Seeded random command lines drawn from the `OptionTable`: a command with one to three of its
/// options, each set to a hostile value (the table's, or a random integer, float, list or
/// separator). Every one must end in a clean error or a correct run, as in `OptionTableTests`.
/// `WCONV_FUZZ_ITERATIONS` sets the number of command lines (100 by default).
@Suite struct OptionFuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["WCONV_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 100

    /// A hostile value for an option.
    static func value(_ generator: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<6, using: &generator) {
        case 0, 1: return OptionTable.values.randomElement(using: &generator)!
        case 2: return String(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
        case 3: return String(Double.random(in: -1...1, using: &generator) * pow(10, Double(Int.random(in: -50...50, using: &generator))))
        case 4:
            let count = Int.random(in: 1...4, using: &generator)
            return (0..<count).map { _ in String(Int.random(in: -3...9, using: &generator)) }
                .joined(separator: [",", ";", ":"].randomElement(using: &generator)!)
        default: return [" ", ",", ";", ":", "-", "--", "1e38", "-0", "0x10", "1,", ";;", "same", "tuned:", "step:1", "１"].randomElement(using: &generator)!
        }
    }

    @Test(.enabled(if: OptionTable.wconv != nil, "needs the wconv built beside the tests"))
    func randomCommandLinesEndInACleanErrorOrACorrectRun() throws {
        var generator = SeededGenerator(seed: 20)
        let cases = (0..<Self.iterations).map { _ -> OptionTable.Case in
            let command = OptionTable.commands.randomElement(using: &generator)!
            let options = (0..<Int.random(in: 1...3, using: &generator)).map { _ in command.options.randomElement(using: &generator)! }
            return OptionTable.Case(command: command, settings: Set(options).sorted().map { ($0, Self.value(&generator)) })
        }
        let folder = NSTemporaryDirectory() + "wconv-option-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try OptionTable.writeInputs(to: folder)
        let problems = OptionTable.problems(of: cases, wconv: OptionTable.wconv!, folder: folder)
        #expect(problems.isEmpty, "\(problems.count) cases:\n\(problems.prefix(30).joined(separator: "\n"))")
    }
}
