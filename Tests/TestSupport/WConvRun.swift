import Foundation

/// The `wconv` built beside the test binary, run as a user runs it, for the tests of what the
/// command line does with its files and processes (skipped when it is not built).
public enum WConvRun {
    /// The folder of the test binary (and of `wconv`, when the product is built).
    public static let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    /// The executable.
    public static let path = folder + "/wconv"
    /// Whether it is built.
    public static let built = FileManager.default.isExecutableFile(atPath: path)

    /// What a finished run printed and how it ended.
    public struct Outcome: CustomStringConvertible {
        /// The exit status (or the signal that ended it).
        public var status: Int32
        /// Standard output.
        public var output: String
        /// Standard error.
        public var errors: String
        /// Everything, for a failed expectation.
        public var description: String { "exit \(status)\n\(output)\n\(errors)" }
    }

    /// Runs `wconv arguments…` to its end.
    /// - Throws: when it cannot start.
    public static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let log = NSTemporaryDirectory() + "wconv-errors-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: log) }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: text, as: UTF8.self),
                       errors: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// A new empty temporary folder.
    public static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "wconv-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
