import Communication
import Foundation

/// A comparison script of `scripts/` (PyTorch's or scipy's timings) and the Python that runs it,
/// for `wconv bench conv --against pytorch` and `wconv bench signal --against scipy`.
///
/// The Python is `--python` if given, else `.bench-venv/bin/python` (made by `scripts/bench-venv`)
/// when it exists, else `python3` from the `PATH`. When none of them can import the framework
/// the comparison is skipped with a message saying how to get one.
struct PythonAnchor {
    /// The interpreter that runs the script.
    let python: String
    /// The script, e.g. `scripts/pytorch-bench.py`.
    let script: String

    /// An anchor whose Python imports `module`, or a message saying why there is none.
    static func find(python: String?, script: String, module: String) -> Result<PythonAnchor, AnchorUnavailable> {
        guard FileManager.default.fileExists(atPath: script) else {
            return .failure(AnchorUnavailable(reason: "\(script) not found (run from the repository's root)"))
        }
        let candidates = python.map { [$0] } ?? [".bench-venv/bin/python", "python3"]
        for candidate in candidates {
            if let output = try? run(candidate, ["-c", "import \(module); print(\(module).__version__)"]), !output.isEmpty {
                return .success(PythonAnchor(python: candidate, script: script))
            }
        }
        return .failure(AnchorUnavailable(
            reason: "no Python with \(module) (tried \(candidates.joined(separator: ", "))); create one with scripts/bench-venv"))
    }

    /// The lines of the script's table that start with `[` (one per shape), split at spaces
    /// after the closing bracket: the shape's integers and the remaining fields.
    /// - Throws: ``AnchorUnavailable`` when the script fails or prints no such line.
    func tableRows(_ arguments: [String]) throws -> [(shape: [Int], fields: [String])] {
        var rows: [(shape: [Int], fields: [String])] = []
        for line in try lines(arguments) where line.hasPrefix("[") {
            guard let close = line.firstIndex(of: "]") else { continue }
            let shape = line[line.index(after: line.startIndex)..<close].split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            rows.append((shape, line[line.index(after: close)...].split(separator: " ").map(String.init)))
        }
        guard !rows.isEmpty else { throw AnchorUnavailable(reason: "\(script) \(arguments.joined(separator: " ")) printed no table") }
        return rows
    }

    /// The lines the script prints with `arguments`.
    /// - Throws: ``AnchorUnavailable`` when the script fails.
    func lines(_ arguments: [String]) throws -> [Substring] {
        try Self.run(python, [script] + arguments).split(separator: "\n")
    }

    /// The standard output of `executable arguments…` (found on the `PATH` unless a path).
    /// - Throws: ``AnchorUnavailable`` when it cannot start or exits non-zero.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try ChildProcesses.run(process)
        } catch {
            throw AnchorUnavailable(reason: "cannot run \(executable): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AnchorUnavailable(reason: "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why a comparison with another framework cannot run.
struct AnchorUnavailable: Error, CustomStringConvertible {
    /// What is missing or what failed.
    let reason: String
    /// The reason.
    var description: String { reason }
}
