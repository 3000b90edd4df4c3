import Foundation

/// The PyTorch side of `wconv bench conv --against pytorch`: runs `scripts/pytorch-bench.py conv`
/// with a Python that has torch, and reads its GFLOP/s per shape.
///
/// The Python is `--python` if given, else `.bench-venv/bin/python` (made by `scripts/bench-venv`)
/// when it exists, else `python3` from the `PATH`. When none of them can import torch the
/// comparison is skipped with a message saying how to get one.
struct PyTorchAnchor {
    /// The interpreter that runs the script.
    let python: String
    /// `scripts/pytorch-bench.py`.
    let script: String

    /// GFLOP/s of one PyTorch run, forward and forward+backward, keyed by the input shape and kernel size.
    typealias Rates = [String: (forward: Double, both: Double)]

    /// The key of a shape in ``Rates``: input shape and kernel size, e.g. `[64, 64, 32, 32] k3`.
    static func key(input: [Int], kernelSize: Int) -> String { "\(input) k\(kernelSize)" }

    /// An anchor whose Python imports torch, or a message saying why there is none.
    static func find(python: String?) -> Result<PyTorchAnchor, AnchorUnavailable> {
        let script = "scripts/pytorch-bench.py"
        guard FileManager.default.fileExists(atPath: script) else {
            return .failure(AnchorUnavailable(reason: "\(script) not found (run from the repository's root)"))
        }
        let candidates = python.map { [$0] } ?? [".bench-venv/bin/python", "python3"]
        for candidate in candidates {
            if let output = try? run(candidate, ["-c", "import torch; print(torch.__version__)"]), !output.isEmpty {
                return .success(PyTorchAnchor(python: candidate, script: script))
            }
        }
        return .failure(AnchorUnavailable(
            reason: "no Python with torch (tried \(candidates.joined(separator: ", "))); create one with scripts/bench-venv"))
    }

    /// One run of the script's conv table on `threads` threads.
    /// - Throws: ``AnchorUnavailable`` when the script fails or prints no table.
    func convRates(threads: Int) throws -> Rates {
        let output = try Self.run(python, [script, "conv", "--threads", "\(threads)"])
        var rates: Rates = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("[") {
            guard let close = line.firstIndex(of: "]") else { continue }
            let input = line[line.index(after: line.startIndex)..<close].split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            let fields = line[line.index(after: close)...].split(separator: " ")
            guard fields.count == 3, let k = Int(fields[0]), let forward = Double(fields[1]), let both = Double(fields[2])
            else { continue }
            rates[Self.key(input: input, kernelSize: k)] = (forward, both)
        }
        guard !rates.isEmpty else { throw AnchorUnavailable(reason: "\(script) printed no conv table:\n\(output)") }
        return rates
    }

    /// The standard output of `executable arguments…`.
    /// - Throws: ``AnchorUnavailable`` when it cannot start or exits non-zero.
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
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

/// Why the PyTorch comparison cannot run.
struct AnchorUnavailable: Error, CustomStringConvertible {
    /// What is missing or what failed.
    let reason: String
    /// The reason.
    var description: String { reason }
}
