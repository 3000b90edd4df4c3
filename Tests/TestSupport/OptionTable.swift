import Datasets
import Foundation
import Synchronization

/// Every option that takes a value, of every user-facing `wconv` command, and the hostile values
/// each is fed: the table of the command-line option tests (`OptionTableTests` runs all of it,
/// `FuzzTests` draws seeded random combinations from it).
///
/// `conv` runs for real on small files (its output must then be finite). The other commands
/// train or benchmark when their options are accepted, so they run with `WCONV_CHECK_OPTIONS_ONLY`
/// set and stop after parsing and checking every option: for them an accepted value is reported
/// as accepted and not run.
public enum OptionTable {
    /// One command: its words after `wconv`, the options that take a value, and the arguments
    /// every case starts from (the required options).
    public struct Command: Sendable {
        public let words: [String]
        public let options: [String]
        public let base: [String]
        /// Whether accepted cases run for real (else they stop after the option checks).
        public let runs: Bool
    }

    /// The options of `train`, `eval`, `compare`, `tune` and `denoise` that describe the experiment.
    static let experiment = [
        "--task", "--model", "--dataset", "--data-dir", "--validation-dir", "--problem", "--data", "--test-data", "--image-size", "--image-fit", "--kernel-size", "--den", "--batch-size", "--train-subset",
        "--test-subset", "--label-smoothing", "--sigma", "--patch-size", "--patches-per-epoch", "--eval-patches", "--downscale", "--loss",
        "--depth", "--width", "--last-layer-init", "--naf-width", "--naf-blocks", "--epochs", "--optimizer", "--lr", "--weight-decay",
        "--density-lr", "--schedule", "--density-schedule", "--precise-bn", "--method",
    ]

    /// The commands and their options (`seed-job`, the hidden child process of an MPI `tune`, is
    /// not a user's command).
    public static let commands: [Command] = [
        Command(words: ["train"], options: experiment + ["--threads", "--conv", "--seed", "--output"], base: [], runs: false),
        Command(words: ["eval"], options: experiment + ["--conv", "--weights", "--threads", "--seed", "--output", "--images"],
                base: ["--weights", "w.safetensors"], runs: false),
        Command(words: ["compare"], options: experiment + ["--threads", "--seeds", "--output", "--arms", "--studies"], base: [], runs: false),
        Command(words: ["tune"], options: experiment + [
            "--threads", "--study", "--output", "--show", "--box", "--algorithm", "--budget", "--objective", "--seeds", "--jobs",
            "--validation-fraction", "--split-seed", "--search-seed", "--noise-seeds", "--reevaluate", "--final-seeds", "--final-epochs",
            "--job-timeout",
        ], base: [], runs: false),
        Command(words: ["denoise"], options: ["--run"] + experiment + ["--conv", "--weights", "--threads", "--input", "--output-image", "--seed"],
                base: ["--weights", "w.safetensors", "--input", "in.png", "--output-image", "out.png"], runs: false),
        Command(words: ["export", "run"], options: ["--format", "--output", "--check-input", "--check-output"], base: [], runs: false),
        Command(words: ["conv"], options: [
            "--threads", "--input", "--weight", "--bias", "--den", "--den-per-axis", "--profile-per-axis", "--gaussian", "--stride",
            "--padding", "--dilation", "--groups", "--padding-mode", "--method", "--output", "--grad-output", "--grad-input",
            "--grad-weight", "--grad-bias", "--grad-den",
        ], base: ["--input", "x.npy", "--weight", "w.npy", "--output", "y.npy"], runs: true),
        Command(words: ["bench", "conv"], options: ["--threads", "--repeats", "--shapes", "--method", "--only", "--against", "--rounds", "--python"],
                base: [], runs: false),
        Command(words: ["bench", "train"], options: ["--threads", "--steps", "--model", "--against", "--rounds", "--python"],
                base: [], runs: false),
        Command(words: ["bench", "signal"], options: ["--threads", "--repeats", "--against", "--rounds", "--python", "--mode", "--method"],
                base: [], runs: false),
        Command(words: ["bench", "scaling"], options: ["--ranks", "--model", "--batch", "--steps", "--threads"], base: [], runs: false),
        Command(words: ["bench", "peak"], options: ["--threads", "--seconds"], base: [], runs: false),
        Command(words: ["bench", "calibrate"], options: ["--threads"], base: [], runs: false),
    ]

    /// The values every option is fed: 0, −1, 2³¹, 2⁶², NaN, ∞, empty and a word.
    public static let values = ["0", "-1", "2147483648", "4611686018427387904", "nan", "inf", "", "garbage"]

    /// One command line of the table.
    public struct Case: Sendable, CustomStringConvertible {
        public let command: Command
        /// The options tested and their values.
        public let settings: [(option: String, value: String)]

        public init(command: Command, settings: [(option: String, value: String)]) {
            self.command = command
            self.settings = settings
        }

        /// The arguments after `wconv`: the base arguments (less the options tested), then the
        /// options tested; `y.npy` becomes `y-<id>.npy` so that concurrent cases write apart.
        public func arguments(id: Int) -> [String] {
            var base: [String] = []
            var index = 0
            while index < command.base.count {
                let option = command.base[index], value = command.base[index + 1]
                if !settings.contains(where: { $0.option == option }) { base += [option, value == "y.npy" ? "y-\(id).npy" : value] }
                index += 2
            }
            return command.words + base + settings.flatMap { [$0.option, $0.value] }
        }

        public var description: String {
            "wconv " + (command.words + settings.flatMap { [$0.option, "'\($0.value)'"] }).joined(separator: " ")
        }
    }

    /// Every option of every command with values of ``values``: all of them, except for the
    /// options one definition serves on several commands (the experiment's and `--threads`),
    /// which get all of them on `train` and two on each other command (a different two from
    /// command to command and option to option).
    public static var cases: [Case] {
        let shared = Set(experiment + ["--threads"])
        var cases: [Case] = []
        for (c, command) in commands.enumerated() {
            for (o, option) in command.options.enumerated() {
                let all = !shared.contains(option) || command.words == ["train"]
                let chosen = all ? values : [values[(c + o) % values.count], values[(c + o + values.count / 2) % values.count]]
                cases += chosen.map { Case(command: command, settings: [(option: option, value: $0)]) }
            }
        }
        return cases
    }

    /// The options that take a value in `wconv <words> --help`, in order (an option with an
    /// alias, `--output-image, --output <…>`, by its first name).
    public static func helpOptions(_ words: [String], wconv: String) throws -> [String] {
        let (status, output) = try run(wconv, words + ["--help"], in: FileManager.default.currentDirectoryPath, checkOnly: false)
        guard status == 0 else { return [] }
        let pattern = try NSRegularExpression(pattern: #"^\s+(?:-\w, )?(--[a-z0-9-]+)(?:, --[a-z0-9-]+)* <"#, options: .anchorsMatchLines)
        return pattern.matches(in: output, range: NSRange(output.startIndex..., in: output)).compactMap {
            Range($0.range(at: 1), in: output).map { String(output[$0]) }
        }
    }

    /// Writes the small inputs the cases name into `folder`: `x.npy` [1, 1, 5, 5], `w.npy`
    /// [2, 1, 3, 3] (a 3×3 kernel: `--den` of one value fits it).
    public static func writeInputs(to folder: String) throws {
        try Npy.write((0..<25).map { Float($0) / 25 }, shape: [1, 1, 5, 5], to: folder + "/x.npy")
        try Npy.write((0..<18).map { Float($0 % 5) / 5 - 0.4 }, shape: [2, 1, 3, 3], to: folder + "/w.npy")
    }

    /// Runs `wconv` on `arguments` in `folder` (at most two minutes) and returns its exit status
    /// (128 + n for signal n, −1 for a hang) and its output and errors together.
    public static func run(_ wconv: String, _ arguments: [String], in folder: String, checkOnly: Bool) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wconv)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["WCONV_CHECK_OPTIONS_ONLY"] = checkOnly ? "1" : nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let hung = Shared(false)
        let watchdog = DispatchWorkItem {
            guard process.isRunning else { return }
            hung.value.withLock { $0 = true }
            process.terminate()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        if hung.value.withLock({ $0 }) { return (-1, output) }
        return (process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus, output)
    }

    /// What is wrong with the outcome of `c` (nil when it is a clean error or a correct run):
    /// a signal or trap, a hang, an error without a message, an accepted value that was not
    /// checked, or a `conv` that exits 0 with a missing or non-finite output.
    public static func problem(of c: Case, id: Int, wconv: String, folder: String) -> String? {
        let arguments = c.arguments(id: id)
        let status: Int32, output: String
        do { (status, output) = try run(wconv, arguments, in: folder, checkOnly: !c.command.runs) } catch { return "\(c): \(error)" }
        switch status {
        case -1: return "\(c): still running after two minutes"
        case 0:
            guard c.command.runs else { return output.contains("options accepted") ? nil : "\(c): exit 0 without checking: \(output)" }
            guard let index = arguments.lastIndex(of: "--output"), index + 1 < arguments.count else { return nil }
            let path = arguments[index + 1].hasPrefix("/") ? arguments[index + 1] : folder + "/" + arguments[index + 1]
            guard let y = try? Npy.read(path) else { return "\(c): exit 0 but no readable output \(path)" }
            return y.scalars.allSatisfy(\.isFinite) ? nil : "\(c): exit 0 with non-finite output"
        case 1, 64:
            return output.contains("Error") ? nil : "\(c): exit \(status) without an error message: \(output)"
        default:
            return "\(c): exit \(status)\(status > 128 ? " (signal \(status - 128))" : ""): \(output.suffix(400))"
        }
    }

    /// The problems of `cases`, run `concurrently` at a time.
    public static func problems(of cases: [Case], wconv: String, folder: String, concurrently: Int = 6) -> [String] {
        let found = Shared<[String]>([])
        let group = DispatchGroup()
        for worker in 0..<concurrently {
            group.enter()
            Thread {
                for index in stride(from: worker, to: cases.count, by: concurrently) {
                    if let problem = problem(of: cases[index], id: index, wconv: wconv, folder: folder) {
                        found.value.withLock { $0.append(problem) }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        return found.value.withLock { $0 }
    }

    /// The `wconv` built beside the running test binary, when there is one.
    public static var wconv: String? {
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path + "/wconv"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

/// A value several threads read and write under a lock.
private final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
}
