import Foundation
import NeuralNetwork
import TestSupport
import Testing
import Training

/// The typed learning-rate schedule: every form reads and writes the text the files hold,
/// malformed forms are refused with the accepted forms listed, the factors are those of the
/// optimiser's `Schedule`, and `wconv` refuses a bad `--schedule` while parsing (exit 64).
@Suite struct LearningRateScheduleTests {
    /// Every form in its written spelling, and the value it reads as.
    static let forms: [(text: String, schedule: LearningRateSchedule)] = [
        ("constant", .constant), ("cosine", .cosine), ("step:3:0.5", .step(every: 3, gamma: 0.5)),
        ("step:10:2", .step(every: 10, gamma: 2)), ("step:1:0", .step(every: 1, gamma: 0)),
        ("step:1000000:0.001", .step(every: 1_000_000, gamma: 0.001)), ("restarts:5:2", .restarts(period: 5, multiplier: 2)),
        ("restarts:1:1000", .restarts(period: 1, multiplier: 1000)), ("warmup:2:cosine", .warmup(epochs: 2, then: .cosine)),
        ("warmup:0:step:3:0.1", .warmup(epochs: 0, then: .step(every: 3, gamma: 0.1))),
        ("warmup:1:warmup:2:restarts:4:3", .warmup(epochs: 1, then: .warmup(epochs: 2, then: .restarts(period: 4, multiplier: 3)))),
    ]

    @Test func everyFormReadsAndWritesItsText() throws {
        for (text, schedule) in Self.forms {
            #expect(try LearningRateSchedule(parsing: text) == schedule, "\(text)")
            #expect(schedule.description == text)
            let json = String(decoding: try JSONEncoder().encode([schedule]), as: UTF8.self)
            #expect(json == "[\"\(text)\"]")
            #expect(try JSONDecoder().decode([LearningRateSchedule].self, from: Data(json.utf8)) == [schedule])
        }
    }

    @Test func otherSpellingsOfTheSameFormRead() throws {
        let spellings: [(String, LearningRateSchedule)] = [
            ("Cosine", .cosine), ("CONSTANT", .constant), ("Step:3:0.50", .step(every: 3, gamma: 0.5)), ("step:1e2:5e-1", .step(every: 100, gamma: 0.5)),
            ("step:3.0:1", .step(every: 3, gamma: 1)), ("Warmup:2:Restarts:4:2", .warmup(epochs: 2, then: .restarts(period: 4, multiplier: 2))),
        ]
        for (text, schedule) in spellings { #expect(try LearningRateSchedule(parsing: text) == schedule, "\(text)") }
    }

    @Test func malformedFormsAreRefusedWithTheAcceptedForms() throws {
        let deep = String(repeating: "warmup:1:", count: LearningRateSchedule.maximumWarmups + 1) + "cosine"
        let malformed = [
            "", "cos", "cosine:", "cosine:1", "constant:xyz", "linear", "step", "step:3", "step:1:0.5:3", "step:0:0.5", "step:1.5:0.5",
            "step:-1:0.5", "step:1e300:0.5", "step:3:-0.1", "step:3:1001", "step:3:nan", "step:3:inf", "step:3:", "step::0.5",
            "restarts:0:2", "restarts:-1:2", "restarts:3:0", "restarts:3:1.5", "restarts:3:1001", "restarts:2:2:2", "restarts:2",
            "warmup", "warmup:2", "warmup:2:", "warmup:-1:cosine", "warmup:1.5:cosine", "warmup:2:bogus", "warmup:x:cosine",
            " cosine", deep,
        ]
        for text in malformed {
            #expect(throws: TrainingError.self, "\(text)") { _ = try LearningRateSchedule(parsing: text) }
            do { _ = try LearningRateSchedule(parsing: text) } catch {
                #expect(LearningRateSchedule.forms.allSatisfy { error.description.contains($0) }, "\(error)")
            }
        }
        #expect(try LearningRateSchedule(parsing: String(repeating: "warmup:1:", count: LearningRateSchedule.maximumWarmups) + "cosine")
            .description.count == 9 * LearningRateSchedule.maximumWarmups + 6)
    }

    @Test func factorsAreTheOptimisersSchedules() {
        #expect(LearningRateSchedule.constant.factors(epochs: 7) == .constant)
        #expect(LearningRateSchedule.cosine.factors(epochs: 7) == .cosine(epochs: 7, minimum: 1e-3))
        #expect(LearningRateSchedule.step(every: 3, gamma: 0.5).factors(epochs: 7) == .step(size: 3, gamma: 0.5))
        #expect(LearningRateSchedule.restarts(period: 2, multiplier: 3).factors(epochs: 7) == .warmRestarts(t0: 2, mult: 3, minimum: 1e-3))
        #expect(LearningRateSchedule.warmup(epochs: 2, then: .cosine).factors(epochs: 7) == .warmup(epochs: 2, then: .cosine(epochs: 7, minimum: 1e-3)))
    }

    @Test func settingsStoreTheScheduleAsItsText() throws {
        var settings = TrainingSettings()
        settings.schedule = .warmup(epochs: 1, then: .step(every: 2, gamma: 0.5))
        settings.densitySchedule = .restarts(period: 3, multiplier: 2)
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(json.contains("\"schedule\":\"warmup:1:step:2:0.5\""))
        #expect(json.contains("\"densitySchedule\":\"restarts:3:2\""))
        #expect(try JSONDecoder().decode(TrainingSettings.self, from: Data(json.utf8)) == settings)
        let corrupt = json.replacingOccurrences(of: "restarts:3:2", with: "restarts:0:2")
        #expect { try JSONDecoder().decode(TrainingSettings.self, from: Data(corrupt.utf8)) } throws: { "\($0)".contains("restarts:T0:M") }
    }

    @Test(.enabled(if: BuiltWconv.exists, "needs the wconv built beside the tests"))
    func wconvRefusesABadScheduleWhileParsing() throws {
        let folder = NSTemporaryDirectory()
        for option in ["--schedule", "--density-schedule"] {
            for bad in ["step:0:0.5", "warmup:2", "sine"] {
                let (status, output) = try OptionTable.run(BuiltWconv.path, ["train", option, bad], in: folder, checkOnly: true)
                #expect(status == 64, "\(option) \(bad): \(output)")
                #expect(output.contains("\(option) <") && output.contains("'step:S:G'") && output.contains("'warmup:E:<schedule>'"), "\(output)")
            }
            let (status, output) = try OptionTable.run(BuiltWconv.path, ["train", option, "warmup:1:step:2:0.5"], in: folder, checkOnly: true)
            #expect(status == 0, "\(output)")
        }
    }
}
