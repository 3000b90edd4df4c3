import Foundation

/// The `wconv` executable built beside the test bundle (`swift build --product wconv` in the
/// same configuration), for tests that run it as a child process.
public enum BuiltWconv {
    /// Its path.
    public static let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().path + "/wconv"

    /// Whether it exists.
    public static let exists = FileManager.default.isExecutableFile(atPath: path)

    /// Runs it with `arguments` and the test's environment updated by `environment`; returns its
    /// exit status, standard output and standard error (read one after the other: for commands
    /// that write less than a pipe holds, 64 KiB, to standard error).
    public static func run(_ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, out: String, errors: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}
