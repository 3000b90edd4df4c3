import Communication
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs each job in a child process, so that a job that crashes, is killed by a signal (the
/// kernel's out-of-memory killer) or hangs ends that process, not the rank: the rank sees how it
/// ended, throws a ``ChildProcessError`` saying so, and stays available for the next job. (An MPI
/// rank that dies ends the whole Open MPI job; a child process is not part of it.)
///
/// The child is `executable arguments… --input IN --output OUT`: it reads the job as JSON from
/// `IN` and writes its reply to `OUT` with ``serve(input:output:_:)``. Its standard error goes to
/// a file whose end is quoted when it fails. The launcher's variables (`OMPI_*`, `PMIX_*`,
/// `PMI_*`) are removed from its environment, so it runs as a plain process.
///
/// ```swift
/// let children = ChildProcessJobs(executable: "/proc/self/exe", arguments: ["seed-job"], timeout: 600)
/// let outcome: Outcome = try children.run(request)    // in the child: ChildProcessJobs.serve(input:output:) { … }
/// ```
public struct ChildProcessJobs: Sendable {
    /// The program of the child processes.
    public let executable: String
    /// Its arguments before `--input` and `--output`.
    public let arguments: [String]
    /// Seconds a child may run before it is stopped (SIGKILL); `nil`: no limit.
    public let timeout: Double?

    /// Child processes of `executable arguments…`.
    /// - Parameters:
    ///   - executable: the program's path.
    ///   - arguments: the arguments before `--input IN --output OUT`.
    ///   - timeout: seconds a child may run (`nil`: no limit).
    public init(executable: String, arguments: [String], timeout: Double? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// What a child writes back: its output, or the error its job threw.
    private struct Reply<Output: Codable>: Codable {
        var output: Output?
        var error: String?
    }

    /// Runs `job` in a child process and waits for it.
    /// - Parameter job: the job, sent as JSON.
    /// - Returns: the child's output.
    /// - Throws: ``ChildProcessError`` when its files could not be made, the child could not start, was killed by a signal,
    ///   exited with a non-zero code, ran past ``timeout``, wrote no readable reply, or its job
    ///   threw (with the job's message).
    public func run<Job: Encodable, Output: Codable>(_ job: Job) throws -> Output {
        let base = NSTemporaryDirectory() + "wconv-job-\(UUID().uuidString)"
        let (input, output, log) = (base + ".in.json", base + ".out.json", base + ".err")
        defer { for path in [input, output, log] { try? FileManager.default.removeItem(atPath: path) } }
        try JSONEncoder().encode(job).write(to: URL(fileURLWithPath: input))
        guard FileManager.default.createFile(atPath: log, contents: nil), let errors = FileHandle(forWritingAtPath: log) else {
            throw ChildProcessError("could not create \(log) for the run's standard error")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--input", input, "--output", output]
        process.environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !["OMPI_", "PMIX_", "PMI_"].contains { key.hasPrefix($0) }
        }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try ChildProcesses.run(process) } catch { throw ChildProcessError("could not start \(executable): \(error)") }
        let timedOut = waitForExit(of: process)
        let tail = Self.tail(of: log)
        if timedOut {
            throw ChildProcessError("the run took longer than \(timeout!) s and was stopped" + tail)
        }
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
            throw ChildProcessError("the run was killed by signal \(signal) (\(name))" + tail)
        }
        guard process.terminationStatus == 0 else {
            throw ChildProcessError("the run exited with code \(process.terminationStatus)" + tail)
        }
        let reply: Reply<Output>
        do { reply = try JSONDecoder().decode(Reply<Output>.self, from: Data(contentsOf: URL(fileURLWithPath: output))) } catch {
            throw ChildProcessError("the run ended without a readable reply: \(error)" + tail)
        }
        if let output = reply.output { return output }
        throw ChildProcessError(reply.error ?? "the run replied neither a result nor an error")
    }

    /// Waits for the child; past ``timeout`` stops it with SIGKILL.
    /// - Returns: whether it was stopped for the timeout.
    private func waitForExit(of process: Process) -> Bool {
        guard let timeout else { process.waitUntilExit(); return false }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)   // a run writes no files but its reply, atomically: nothing to clean up
        process.waitUntilExit()
        return true
    }

    /// `: <last lines of the child's standard error>`, or nothing when it wrote none.
    private static func tail(of log: String) -> String {
        guard let data = FileManager.default.contents(atPath: log), !data.isEmpty else { return "" }
        let lines = String(decoding: data.suffix(2000), as: UTF8.self).split(separator: "\n").suffix(3)
        return ": " + lines.joined(separator: " | ")
    }

    /// The child's side: reads the job from `input`, runs `work` and writes its output or its
    /// error to `output` (atomically). The child was started by `ChildProcesses` (of
    /// Communication), so it ends with its parent: a rank that dies leaves no run behind.
    /// - Parameters:
    ///   - input: the job's JSON file.
    ///   - output: where the reply goes.
    ///   - work: the job.
    /// - Throws: when the job cannot be read or the reply cannot be written (the parent then
    ///   reports the exit code and this error's message).
    public static func serve<Job: Decodable, Output: Codable>(input: String, output: String, _ work: (Job) throws -> Output) throws {
        let job = try JSONDecoder().decode(Job.self, from: Data(contentsOf: URL(fileURLWithPath: input)))
        var reply = Reply<Output>()
        do { reply.output = try work(job) } catch { reply.error = "\(error)" }
        try JSONEncoder().encode(reply).write(to: URL(fileURLWithPath: output), options: .atomic)
    }
}

/// How a job's child process failed.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// What happened, e.g. `the run was killed by signal 9 (Killed)`.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
