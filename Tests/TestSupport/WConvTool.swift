import Foundation

/// The `wconv` executable built beside the test binary, run as a user would run it.
public enum WConvTool {
    /// The folder of the test binary (and of the products built with it).
    public static let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    /// The path of `wconv`.
    public static let path = folder + "/wconv"
    /// Whether `wconv` is built beside the tests (`scripts/test` builds it before the release tests).
    public static let isBuilt = FileManager.default.isExecutableFile(atPath: path)

    /// What a run of `wconv` printed and how it ended.
    public struct Outcome: Sendable {
        /// The exit status.
        public let status: Int32
        /// Standard output.
        public let output: String
        /// Standard error.
        public let errors: String
        /// Both streams, for messages of failed expectations.
        public var log: String { output + errors }
    }

    /// Runs `wconv` with `arguments` on one compute thread, in the working directory `directory`
    /// (default: the tests' own), and waits for it.
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true) }
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1"]) { $1 }
        // Files rather than pipes: a long log cannot fill a pipe and block the process.
        let base = NSTemporaryDirectory() + "wconv-tool-\(UUID().uuidString)"
        defer { for name in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + name) } }
        for name in [".out", ".err"] { try Data().write(to: URL(fileURLWithPath: base + name)) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try output.close()
        try errors.close()
        return Outcome(status: process.terminationStatus, output: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                       errors: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// The package's folder (where README.md is), from this file's place in it.
    public static let packageFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
