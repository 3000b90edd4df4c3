import Foundation
import Models
import Training
import GridCore

extension BenchTrainCommand {
    /// The convolution of the benchmark's `standard` and `weighted` models (density `[0.5]`,
    /// trainable, as in `scripts/pytorch-bench.py`).
    /// - Throws: ``CommandFailure`` for another name.
    static func kind(named name: String) throws -> ConvolutionKind {
        switch name {
        case "standard": return .standard
        case "weighted": return .weighted(den: [0.5], trainable: true)
        default: throw CommandFailure("the convolution is standard or weighted, got \(name)")
        }
    }

    /// The peak resident memory of a training step and the resident memory before the model was
    /// built, in MiB.
    struct PeakMemory {
        let peak: Double, start: Double

        /// `peak (+peak − start)`.
        var text: String { String(format: "%.0f (+%.0f)", peak, peak - start) }

        /// Reads `peak P start S` from `lines`.
        /// - Throws: ``AnchorUnavailable`` when no line has that form.
        init(parsing lines: [Substring], from source: String) throws {
            for line in lines {
                let fields = line.split(separator: " ")
                if fields.count == 4, fields[0] == "peak", fields[2] == "start", let peak = Double(fields[1]), let start = Double(fields[3]) {
                    (self.peak, self.start) = (peak, start)
                    return
                }
            }
            throw AnchorUnavailable(reason: "\(source) printed no peak memory line")
        }
    }

    /// `--peak-memory-of KIND`: builds the one `--model` with that convolution, runs the warm-up
    /// steps and one more, and prints `peak P start S` (MiB): this process's peak resident memory
    /// and its resident memory before the model was built.
    /// - Throws: ``CommandFailure`` unless exactly one model is given; errors of the steps.
    func printPeakMemory(_ cases: [(String, Case)], kind name: String) throws {
        guard cases.count == 1 else { throw CommandFailure("--peak-memory-of needs exactly one --model, got \(cases.count)") }
        let kind = try Self.kind(named: name)
        let start = residentMemoryMiB()
        let runner = try StepRunner(cases[0].1, kind: kind)
        for _ in 0...Self.warmUpSteps { _ = try runner.step() }
        print(String(format: "peak %.1f start %.1f", peakMemoryMiB(), start))
    }

    /// The peak memory of our training steps and of PyTorch's for `model` and convolution `kind`,
    /// each measured in a fresh process so that no other model's peak mixes in.
    /// - Throws: ``AnchorUnavailable`` when a process fails or prints no peak.
    func peakMemories(_ anchor: PythonAnchor, model: String, kind: String) throws -> (ours: PeakMemory, theirs: PeakMemory) {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let threads = "\(ComputeThreads.count)"
        let ours = try PythonAnchor.run(executable, ["bench", "train", "--model", model, "--peak-memory-of", kind, "--threads", threads])
        let theirs = try anchor.lines(["memory", "--model", model, "--conv", kind, "--threads", threads])
        return (try PeakMemory(parsing: ours.split(separator: "\n"), from: "wconv bench train --peak-memory-of"),
                try PeakMemory(parsing: theirs, from: anchor.script))
    }
}
