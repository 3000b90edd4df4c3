import Datasets
import Foundation
import Training

/// What a study found, for people: tables, CSV and JSON of every point, SVG plots.
public struct StudyReport: Encodable {
    /// The study's settings.
    public let settings: StudySettings
    /// Every evaluation, in order.
    public let records: [EvaluationRecord]
    /// The final test runs (empty until they are done).
    public let finals: [FinalArm]
    /// The validation split's trivial baseline.
    public let baseline: Baseline?
    /// Standard and hand-picked on the noise seeds (empty before the measurement, or without one).
    public let noise: [EvaluationRecord]
    /// The search's best candidates re-evaluated on the noise seeds (empty until all are done).
    public let reevaluations: [Reevaluation]

    /// A report of a study read from its store.
    /// - Throws: ``TuningError`` when the store cannot be read.
    public init(store: StudyStore) throws(TuningError) {
        settings = try store.settings(as: StudySettings.self)
        records = try store.evaluations()
        var finals: [FinalArm] = []
        for name in FinalArm.names { if let arm = try store.value("final.\(name)", as: FinalArm.self) { finals.append(arm) } }
        self.finals = finals
        baseline = try store.value(Baseline.validationKey, as: Baseline.self)
        var noise: [EvaluationRecord] = []
        for name in ["standard", "hand-picked"] { if let r = try store.value("noise.\(name)", as: EvaluationRecord.self) { noise.append(r) } }
        self.noise = noise
        reevaluations = try store.value(Reevaluation.storeKey, as: [Reevaluation].self) ?? []
    }

    /// The best non-standard evaluation by search score.
    public var best: EvaluationRecord? { settings.best(of: records) }
    /// The density the study chooses (the best re-evaluated candidate once there are re-evaluations).
    public var chosen: EvaluationRecord? { settings.choice(records: records, reevaluations: reevaluations) }
    /// The seed spread of the objective, once the noise is measured.
    public var noiseFloor: NoiseFloor? { NoiseFloor(noise: noise, searchSeeds: settings.seeds.count) }

    /// The noise floor and the re-evaluated candidates.
    public var checkLines: [String] { (noiseFloor?.lines(objective: settings.objective) ?? []) + reevaluationLines }

    /// The re-evaluated candidates, search score beside re-evaluated score (empty without any).
    public var reevaluationLines: [String] {
        guard !reevaluations.isEmpty, let seeds = settings.noiseSeeds else { return [] }
        var rows = [["", "density", "search, seeds \(Self.list(settings.seeds))", "re-evaluated, seeds \(Self.list(seeds))"]]
        for r in reevaluations {
            rows.append(["#\(r.candidate.index) \(r.candidate.role.rawValue)\(r.candidate == chosen ? " (chosen)" : "")",
                         settings.box.argument(r.candidate.point), Self.format(r.candidate.scores), Self.format(r.check.scores)])
        }
        return ["", "the search's best \(reevaluations.count) re-evaluated on fresh seeds, chosen by the re-evaluated mean:", Self.align(rows)]
    }

    /// One line per evaluation (a failed one shows the penalty it scored), then the reason of
    /// every failed evaluation.
    public var evaluationTable: String {
        var rows = [["#", "role", "density", settings.objective.label, "status", "seconds"]]
        for r in records {
            rows.append(["\(r.index)", r.role.rawValue, settings.box.argument(r.point), Self.format(r.scores), r.status, String(format: "%.1f", r.seconds)])
        }
        let failures = records.compactMap { r in r.failure.map { "#\(r.index) failed (scored the penalty \(Self.format(r.scores))): \($0)" } }
        return ([Self.align(rows)] + failures).joined(separator: "\n")
    }

    /// Validation (search and re-evaluated) and test side by side for standard, hand-picked and
    /// tuned, with the trivial baselines, the paired test differences of tuned with 95 % intervals
    /// and the chosen density as a ready option.
    public var finalTable: String {
        let e = settings.experiment
        let metric = finals.first?.test.metricName ?? "metric"
        var rows = [["", "density", "search: \(settings.objective.label), seeds \(Self.list(settings.seeds))",
                     "re-evaluated, seeds \(settings.noiseSeeds.map(Self.list) ?? "none")",
                     "test \(metric), fresh seeds \(Self.list(settings.finalSeeds))"]]
        for arm in finals {
            rows.append([arm.name, arm.point.map(settings.box.argument) ?? "1 (standard)", arm.validation.map { Self.format($0.scores) } ?? "n/a",
                         arm.reevaluation.map { Self.format($0.scores) } ?? "n/a",
                         Self.format(arm.test.runs.map(\.finalMetric)) + Self.divergence(arm.test.runs)])
        }
        if let test = finals.first?.test {
            let validation = baseline.map { String(format: "%.3f", $0.value) } ?? ""
            rows.append([test.baselineName, "", validation, validation, String(format: "%.3f", test.baselineValue)])
        }
        var lines = ["\(e.task): \(e.model) \(e.kernelName) on \(e.dataName); \(settings.algorithm.rawValue), budget \(settings.budget); "
                     + "\(settings.settings.epochs) epoch(s) per evaluation, \(settings.finalEpochs) per final run"
                     + (settings.settings.preciseBatchNorm.map { "; batch-norm statistics recomputed over \($0) training batches before every score" } ?? ""),
                     settings.validation.describe(task: e.task), "", Self.align(rows)]
        if let tuned = finals.first(where: { $0.name == "tuned" }) {
            lines.append("")
            for other in finals.reversed() where other.name != "tuned" {
                lines.append("tuned − \(other.name), test \(metric) paired by seed: "
                             + PairedDifference(tuned.test.runs.map(\.finalMetric), other.test.runs.map(\.finalMetric)).summary)
            }
        }
        if let chosen {
            let option = settings.box.lower.count == 1 ? "--den" : "--den-per-axis"
            lines += ["", "chosen density (evaluation #\(chosen.index), \(chosen.role.rawValue)): \(option) \(settings.box.argument(chosen.point))"]
        }
        return lines.joined(separator: "\n")
    }

    /// The noise measurement and the re-evaluations as CSV: kind, index, role, density values,
    /// per-seed scores, mean, spread.
    public var checksCSV: CSVTable {
        var table = CSVTable(header: ["kind", "index", "role"] + (1...settings.box.searchBox.dimension).map { "d\($0)" }
            + ["seeds", "scores", "mean", "spread", "status"])
        let rows = noise.map { ("noise", $0) } + reevaluations.flatMap { [("search", $0.candidate), ("reevaluated", $0.check)] }
        for (kind, r) in rows {
            table.append([kind, "\(r.index)", r.role.rawValue] + r.point.map { "\($0)" }
                + [r.seeds.map(String.init).joined(separator: " "), r.scores.map { "\($0)" }.joined(separator: " "), "\(r.score)", "\(r.spread)", r.status])
        }
        return table
    }

    /// The final runs as CSV, one line per arm and seed: the test metric of each run.
    public var finalCSV: CSVTable {
        var table = CSVTable(header: ["arm", "density", "seed", "test_metric", "diverged", "precise_bn_seconds"])
        for arm in finals {
            for (seed, run) in zip(settings.finalSeeds, arm.test.runs) {
                table.append([arm.name, arm.point.map(settings.box.argument) ?? "1", "\(seed)", "\(run.finalMetric)", "\(run.diverged)",
                              "\(run.preciseBatchNormSeconds)"])
            }
        }
        return table
    }

    /// Every evaluation as CSV: index, role, density values, per-seed scores, mean, spread.
    public var csv: CSVTable {
        let dimension = settings.box.searchBox.dimension
        var table = CSVTable(header: ["index", "role"] + (1...dimension).map { "d\($0)" }
            + ["seeds", "scores", "mean", "spread", "status", "seconds", "failure"])
        for r in records {
            table.append(["\(r.index)", r.role.rawValue] + r.point.map { "\($0)" }
                + [r.seeds.map(String.init).joined(separator: " "), r.scores.map { "\($0)" }.joined(separator: " "),
                   "\(r.score)", "\(r.spread)", r.status, "\(r.seconds)", r.failure ?? ""])
        }
        return table
    }

    /// The best validation score so far after each evaluation, with standard and hand-picked
    /// dashed (failed evaluations left out).
    public var progressPlot: LinePlot {
        var plot = LinePlot(title: "\(settings.algorithm.rawValue): best so far", xLabel: "evaluation", yLabel: settings.objective.label)
        var best: Double?
        var points: [(x: Double, y: Double)] = []
        let records = records.filter { $0.failure == nil }
        for r in records where r.role != .standard && r.score.isFinite {
            best = best.map { settings.objective.minimised(r.score) < settings.objective.minimised($0) ? r.score : $0 } ?? r.score
            points.append((Double(r.index), best!))
        }
        plot.add(.init(name: "best so far", points: points))
        plot.add(.init(name: "each evaluation", points: records.filter { $0.role != .standard }.map { (Double($0.index), $0.score) },
                       shades: records.filter { $0.role != .standard }.map(\.score)))
        for role in [EvaluationRecord.Role.standard, .reference] {
            if let r = records.first(where: { $0.role == role }), let last = records.last {
                plot.add(.init(name: role == .standard ? "standard" : "hand-picked", points: [(1, r.score), (Double(last.index), r.score)], dashed: true))
            }
        }
        return plot
    }

    /// The objective over the box: a line for one parameter; for more, a scatter per pair of
    /// parameters coloured by the score (failed evaluations left out). Named `landscape-dI-dJ`.
    public var landscapePlots: [(name: String, plot: LinePlot)] {
        let shown = records.filter { $0.role != .standard && $0.failure == nil && $0.score.isFinite }
        let dimension = settings.box.searchBox.dimension
        if dimension == 1 {
            var plot = LinePlot(title: "validation score over the box", xLabel: "d1", yLabel: settings.objective.label)
            plot.add(.init(name: settings.objective.rawValue, points: shown.map { ($0.point[0], $0.score) }.sorted { $0.0 < $1.0 }))
            return [("landscape-d1", plot)]
        }
        let pairs = dimension <= 3 ? (0..<dimension).flatMap { i in ((i + 1)..<dimension).map { (i, $0) } } : (0..<(dimension - 1)).map { ($0, $0 + 1) }
        return pairs.map { i, j in
            var plot = LinePlot(title: "validation score over d\(i + 1), d\(j + 1)", xLabel: "d\(i + 1)", yLabel: "d\(j + 1)")
            plot.add(.init(name: settings.objective.rawValue, points: shown.map { ($0.point[i], $0.point[j]) }, shades: shown.map(\.score)))
            return ("landscape-d\(i + 1)-d\(j + 1)", plot)
        }
    }

    /// Writes `report.txt`, `evaluations.csv`, `checks.csv`, `final.csv`, `study.json`, `best-so-far.svg` and the
    /// `landscape-*.svg` plots into `directory` (atomically).
    /// - Throws: `DataError` when a file cannot be written.
    public func write(to directory: String) throws {
        let checks = checkLines.isEmpty ? "" : checkLines.joined(separator: "\n") + "\n\n"
        let text = evaluationTable + "\n\n" + checks + (finals.isEmpty ? "" : finalTable + "\n")
        try Files.atomicWrite(Array(text.utf8), to: directory + "/report.txt")
        try Files.atomicWrite(Array(csv.text.utf8), to: directory + "/evaluations.csv")
        try Files.atomicWrite(Array(checksCSV.text.utf8), to: directory + "/checks.csv")
        try Files.atomicWrite(Array(finalCSV.text.utf8), to: directory + "/final.csv")
        try Files.atomicWrite(Array(try StudyStore.encode(self).utf8), to: directory + "/study.json")
        try Files.atomicWrite(Array(progressPlot.svg().utf8), to: directory + "/best-so-far.svg")
        for (name, plot) in landscapePlots { try Files.atomicWrite(Array(plot.svg().utf8), to: "\(directory)/\(name).svg") }
    }

    private enum CodingKeys: String, CodingKey { case settings, records, finals, baseline, noise, reevaluations, noiseFloor, chosen }

    /// Encodes the stored parts with the noise floor and the chosen density.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(settings, forKey: .settings)
        try container.encode(records, forKey: .records)
        try container.encode(finals, forKey: .finals)
        try container.encodeIfPresent(baseline, forKey: .baseline)
        try container.encode(noise, forKey: .noise)
        try container.encode(reevaluations, forKey: .reevaluations)
        try container.encodeIfPresent(noiseFloor, forKey: .noiseFloor)
        try container.encodeIfPresent(chosen, forKey: .chosen)
    }

    static func format(_ values: [Double]) -> String {
        let (mean, spread) = meanAndSpread(values)
        return mean.isFinite ? String(format: "%.3f ± %.3f", mean, spread) : "n/a"
    }

    /// ` (k of n DIVERGED)` when k of the runs diverged, else nothing.
    static func divergence(_ runs: [RunResult]) -> String {
        let diverged = runs.filter(\.diverged).count
        return diverged > 0 ? " (\(diverged) of \(runs.count) DIVERGED)" : ""
    }

    static func list(_ seeds: [UInt64]) -> String { seeds.map(String.init).joined(separator: ",") }

    static func align(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { c, cell in
            c == 0 || c == 2 && rows[0].count == 6 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "   ") }.joined(separator: "\n")
    }
}
