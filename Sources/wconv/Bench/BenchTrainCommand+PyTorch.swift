import Foundation
import GridCore

extension BenchTrainCommand {
    /// Runs each model's training steps in PyTorch (`scripts/pytorch-bench.py train`) and here
    /// alternately, `--rounds` times, and prints per model and kind the median images/s of each side
    /// and the median of the per-round ratios with their range, plus our weighted-vs-standard
    /// spread of the last round; then the peak resident memory of each side's training steps per
    /// model and kind, every one measured in its own process (see ``peakMemories(_:model:kind:)``).
    func compareAgainstPyTorch(_ anchor: PythonAnchor, cases: [(String, Case)]) throws {
        var table = [["model", "conv", "ours samples/s", "PyTorch samples/s", "ratio [range]", "ours weighted vs standard"]]
        var memory = [["model", "conv", "ours peak MiB (+step)", "PyTorch peak MiB (+step)", "peak ours / PyTorch", "step ours / PyTorch"]]
        for (key, c) in cases {
            var ours: [(Double, Double)] = [], theirs: [(Double, Double)] = []
            var spread = ""
            for round in 1...comparison.rounds {
                print("\(c.name), round \(round)/\(comparison.rounds): PyTorch …")
                theirs.append(try pytorchImagesPerSecond(anchor, model: key))
                print("\(c.name), round \(round)/\(comparison.rounds): WeightedConv …")
                let measured = try measure(c)
                ours.append((Double(c.shape[0]) / measured.standard, Double(c.shape[0]) / measured.weighted))
                spread = measured.spread
            }
            for (kind, side) in [("standard", { (pair: (Double, Double)) in pair.0 }), ("weighted", { $0.1 })] {
                let ratios = zip(ours, theirs).map { side($0.0) / side($0.1) }.sorted()
                table.append([
                    c.name, kind, String(format: "%.1f", BenchConvCommand.median(ours.map(side))),
                    String(format: "%.1f", BenchConvCommand.median(theirs.map(side))),
                    String(format: "%.2f [%.2f–%.2f]", BenchConvCommand.median(ratios), ratios.first!, ratios.last!),
                    kind == "weighted" ? spread : "",
                ])
                print("\(c.name), \(kind): peak memory, each side in its own process …")
                let (ours, theirs) = try peakMemories(anchor, model: key, kind: kind)
                memory.append([c.name, kind, ours.text, theirs.text, String(format: "%.2f", ours.peak / theirs.peak),
                               String(format: "%.2f", (ours.peak - ours.start) / (theirs.peak - theirs.start))])
            }
        }
        print("\nsamples (images, series, volumes)/s, medians of \(comparison.rounds) alternating rounds; ratio = ours / PyTorch per round")
        Self.printRows(table)
        print("\npeak resident memory of \(Self.warmUpSteps + 1) training steps, one process per model and kind; "
              + "(+step): above the process's resident memory before the model was built")
        Self.printRows(memory)
    }

    /// PyTorch's median images/s for the standard and the weighted model of one round.
    private func pytorchImagesPerSecond(_ anchor: PythonAnchor, model: String) throws -> (Double, Double) {
        var rates: [String: Double] = [:]
        // Rows: name…, kind, median ms, best ms, images/s[, ratio %].
        for line in try anchor.lines(["train", "--threads", "\(ComputeThreads.count)", "--steps", "\(steps)", "--model", model]) {
            let fields = line.split(separator: " ")
            guard let kind = fields.firstIndex(where: { $0 == "standard" || $0 == "weighted" }), kind + 3 < fields.count,
                  let rate = Double(fields[kind + 3])
            else { continue }
            rates[String(fields[kind])] = rate
        }
        guard let standard = rates["standard"], let weighted = rates["weighted"] else {
            throw AnchorUnavailable(reason: "\(anchor.script) train --model \(model) printed no standard and weighted rows")
        }
        return (standard, weighted)
    }
}
