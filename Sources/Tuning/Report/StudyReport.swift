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

    /// A report of a study read from its store.
    /// - Throws: ``TuningError`` when the store cannot be read.
    public init(store: StudyStore) throws(TuningError) {
        settings = try store.settings(as: StudySettings.self)
        records = try store.evaluations()
        var finals: [FinalArm] = []
        for name in FinalArm.names { if let arm = try store.value("final.\(name)", as: FinalArm.self) { finals.append(arm) } }
        self.finals = finals
        baseline = try store.value(Baseline.validationKey, as: Baseline.self)
    }

    /// The best non-standard evaluation (by the objective).
    public var best: EvaluationRecord? { settings.best(of: records) }

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

    /// Validation and test side by side for standard, hand-picked and tuned, with the trivial
    /// baselines and the chosen density as a ready option.
    public var finalTable: String {
        let e = settings.experiment
        let metric = finals.first?.test.metricName ?? "metric"
        var rows = [["", "density", "\(settings.objective.label), seeds \(Self.list(settings.seeds))",
                     "test \(metric), fresh seeds \(Self.list(settings.finalSeeds))"]]
        for arm in finals {
            rows.append([arm.name, arm.point.map(settings.box.argument) ?? "1 (standard)", arm.validation.map { Self.format($0.scores) } ?? "n/a",
                         Self.format(arm.test.runs.map(\.finalMetric)) + Self.divergence(arm.test.runs)])
        }
        if let test = finals.first?.test {
            rows.append([test.baselineName, "", baseline.map { String(format: "%.3f", $0.value) } ?? "", String(format: "%.3f", test.baselineValue)])
        }
        var lines = ["\(e.task): \(e.model) \(e.kernelSize)×\(e.kernelSize) on \(e.dataset); \(settings.algorithm.rawValue), budget \(settings.budget); "
                     + "\(settings.settings.epochs) epoch(s) per evaluation, \(settings.finalEpochs) per final run",
                     settings.validation.describe(task: e.task), "", Self.align(rows)]
        if let best {
            let option = settings.box.lower.count == 1 ? "--den" : "--den-per-axis"
            lines += ["", "chosen density (evaluation #\(best.index), \(best.role.rawValue)): \(option) \(settings.box.argument(best.point))"]
        }
        return lines.joined(separator: "\n")
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

    /// Writes `report.txt`, `evaluations.csv`, `study.json`, `best-so-far.svg` and the
    /// `landscape-*.svg` plots into `directory` (atomically).
    /// - Throws: `DataError` when a file cannot be written.
    public func write(to directory: String) throws {
        let text = evaluationTable + "\n\n" + (finals.isEmpty ? "" : finalTable + "\n")
        try Files.atomicWrite(Array(text.utf8), to: directory + "/report.txt")
        try Files.atomicWrite(Array(csv.text.utf8), to: directory + "/evaluations.csv")
        try Files.atomicWrite(Array(try StudyStore.encode(self).utf8), to: directory + "/study.json")
        try Files.atomicWrite(Array(progressPlot.svg().utf8), to: directory + "/best-so-far.svg")
        for (name, plot) in landscapePlots { try Files.atomicWrite(Array(plot.svg().utf8), to: "\(directory)/\(name).svg") }
    }

    private enum CodingKeys: String, CodingKey { case settings, records, finals, baseline }

    static func format(_ values: [Double]) -> String {
        let (mean, spread) = meanAndSpread(values)
        return mean.isFinite ? String(format: "%.3f ± %.3f", mean, spread) : "n/a"
    }

    /// ` (k of n DIVERGED)` when k of the runs diverged, else nothing.
    static func divergence(_ runs: [RunResult]) -> String {
        let diverged = runs.filter(\.diverged).count
        return diverged > 0 ? " (\(diverged) of \(runs.count) DIVERGED)" : ""
    }

    private static func list(_ seeds: [UInt64]) -> String { seeds.map(String.init).joined(separator: ",") }

    private static func align(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { c, cell in
            c == 0 || c == 2 && rows[0].count == 6 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "   ") }.joined(separator: "\n")
    }
}
