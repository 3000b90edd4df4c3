import Communication
import Datasets
import Foundation
import Models

/// Weighted against standard convolution on one experiment: the same model, seed, initial
/// weights and data order for both arms, repeated over several seeds, summarised as
/// mean ± standard deviation with the trivial baseline beside it.
public struct Comparison {
    /// The experiment (model, data, density).
    public let experiment: Experiment
    /// The optimisation settings (the seed is replaced by each of ``seeds``).
    public let settings: TrainingSettings
    /// Seeds; each gives one standard and one weighted run.
    public let seeds: [UInt64]
    /// Folder for every run's files and the summary.
    public let directory: String
    /// The replicas every run is trained on, data-parallel (default: this process alone).
    public let communicator: any Communicator

    /// A comparison.
    /// - Parameters:
    ///   - experiment: the model, data and density.
    ///   - settings: the optimisation settings.
    ///   - seeds: one standard and one weighted run per seed.
    ///   - directory: the folder for the runs' files.
    ///   - communicator: the replicas each run is trained on (see ``Trainer``).
    public init(experiment: Experiment, settings: TrainingSettings, seeds: [UInt64], directory: String,
                communicator: any Communicator = SingleProcess()) {
        self.experiment = experiment
        self.settings = settings
        self.seeds = seeds
        self.directory = directory
        self.communicator = communicator
    }

    /// The runs of a comparison and what they say.
    public struct Outcome: Codable, Sendable {
        /// The experiment.
        public var experiment: Experiment
        /// The settings (seed of the first run).
        public var settings: TrainingSettings
        /// Metric name, e.g. `PSNR (dB)`.
        public var metricName: String
        /// Trivial baseline (noisy input PSNR, chance accuracy).
        public var baselineName: String
        /// Its value.
        public var baselineValue: Double
        /// Standard runs, one per seed.
        public var standard: [RunResult]
        /// Weighted runs, one per seed.
        public var weighted: [RunResult]

        /// An outcome from its parts.
        public init(experiment: Experiment, settings: TrainingSettings, metricName: String, baselineName: String,
                    baselineValue: Double, standard: [RunResult], weighted: [RunResult]) {
            self.experiment = experiment
            self.settings = settings
            self.metricName = metricName
            self.baselineName = baselineName
            self.baselineValue = baselineValue
            self.standard = standard
            self.weighted = weighted
        }
    }

    /// Trains both arms for every seed (resuming finished or interrupted runs when `resume`;
    /// `force` as in ``Trainer/run(model:task:resume:force:)``).
    /// - Throws: data, configuration or checkpoint errors.
    public func run(resume: Bool = false, force: Bool = false) throws -> Outcome {
        try experiment.validate()
        var standard: [RunResult] = [], weighted: [RunResult] = []
        var metricName = "", baseline: (name: String, value: Double) = ("", .nan)
        for seed in seeds {
            let (task, channels, size, classes) = try experiment.makeTask(seed: seed)
            metricName = task.metricName
            baseline = task.baseline ?? ("", .nan)
            var seeded = settings
            seeded.seed = seed
            for kind in [ConvolutionKind.standard, .weighted(den: experiment.den, trainable: experiment.trainableDensity)] {
                let model = try experiment.makeModel(kind: kind, seed: seed, channels: channels, size: size, classes: classes)
                let trainer = Trainer(settings: seeded, directory: "\(directory)/\(kind.name)-seed\(seed)", label: "\(kind.name) s\(seed)",
                                      identity: experiment.identity(kind: kind), communicator: communicator)
                let result = try trainer.run(model: model, task: task, resume: resume, force: force)
                if case .standard = kind { standard.append(result) } else { weighted.append(result) }
            }
        }
        return Outcome(experiment: experiment, settings: settings, metricName: metricName, baselineName: baseline.name,
                       baselineValue: baseline.value, standard: standard, weighted: weighted)
    }
}

/// Mean and sample standard deviation (0 for a single value), ignoring non-finite values.
public func meanAndSpread(_ values: [Double]) -> (mean: Double, spread: Double) {
    let finite = values.filter(\.isFinite)
    guard !finite.isEmpty else { return (.nan, .nan) }
    let mean = finite.reduce(0, +) / Double(finite.count)
    guard finite.count > 1 else { return (mean, 0) }
    let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)
    return (mean, variance.squareRoot())
}

extension Comparison.Outcome {
    /// Runs that diverged or ended no better than the trivial baseline, as warnings.
    public var warnings: [String] {
        (standard + weighted).compactMap { run in
            if run.diverged { return "\(run.label): DIVERGED (loss became NaN or infinite)" }
            if baselineValue.isFinite, run.finalMetric <= baselineValue {
                return String(format: "%@: ends at %.3f, no better than the %@ (%.3f)", run.label, run.finalMetric, baselineName, baselineValue)
            }
            return nil
        }
    }

    /// The side-by-side table a person reads.
    public var table: String {
        let title = "\(experiment.task): \(experiment.model) \(experiment.kernelSize)×\(experiment.kernelSize) on \(experiment.dataset)"
            + (experiment.task == "denoising" ? String(format: " (σ = %.0f)", experiment.sigma) : "")
            + ", \(settings.epochs) epochs, seeds \(standard.map { "\($0.label.split(separator: "s").last ?? "")" }.joined(separator: ","))"
        var rows = [["", "final \(metricName)", "best \(metricName)", "s/epoch", "img/s"]]
        for (name, runs) in [("standard", standard), ("weighted \(experiment.den)", weighted)] {
            rows.append([name, Self.format(runs.map(\.finalMetric)), Self.format(runs.map(\.bestMetric)),
                         String(format: "%.1f", meanAndSpread(runs.map(\.secondsPerEpoch)).mean),
                         String(format: "%.0f", meanAndSpread(runs.compactMap { $0.history.last?.imagesPerSecond }).mean)])
        }
        let paired = zip(weighted, standard).map { $0.finalMetric - $1.finalMetric }
        rows.append(["weighted − standard", Self.format(paired, signed: true), "", "", ""])
        if baselineValue.isFinite { rows.append([baselineName, String(format: "%.3f", baselineValue), "", "", ""]) }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max() ?? 0 }
        let lines = rows.map { row in row.enumerated().map { c, cell in
            c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                   : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "   ") }
        return ([title, ""] + lines + (warnings.isEmpty ? [] : [""] + warnings.map { "WARNING " + $0 })).joined(separator: "\n")
    }

    static func format(_ values: [Double], signed: Bool = false) -> String {
        let (mean, spread) = meanAndSpread(values)
        guard mean.isFinite else { return "n/a" }
        return String(format: signed ? "%+.3f ± %.3f" : "%.3f ± %.3f", mean, spread)
    }

    /// Learning curves (evaluation metric per epoch, mean ± spread over seeds) as an SVG plot.
    public var plot: LinePlot {
        var plot = LinePlot(title: "\(experiment.model) \(experiment.kernelSize)×\(experiment.kernelSize) on \(experiment.dataset): weighted vs standard",
                            xLabel: "epoch", yLabel: metricName)
        for (name, runs) in [("standard", standard), ("weighted", weighted)] {
            let epochs = runs.map(\.history.count).min() ?? 0
            let stats = (0..<epochs).map { e in meanAndSpread(runs.map { $0.history[e].evaluationMetric }) }
            plot.add(.init(name: name, points: stats.enumerated().map { (Double($0.offset + 1), $0.element.mean) },
                           spread: stats.map { $0.spread.isFinite ? $0.spread : 0 }))
        }
        if baselineValue.isFinite {
            let last = Double(max(1, standard.map(\.history.count).max() ?? 1))
            plot.add(.init(name: baselineName, points: [(1, baselineValue), (last, baselineValue)], dashed: true))
        }
        return plot
    }

    /// Writes `summary.txt`, `summary.json`, `curves.csv` and `curves.svg` into `directory`.
    /// - Throws: ``DataError`` when a file cannot be written.
    public func write(to directory: String) throws {
        try Files.atomicWrite(Array((table + "\n").utf8), to: directory + "/summary.txt")
        try JSONFiles.write(self, to: directory + "/summary.json")
        var curves = CSVTable(header: ["arm", "run", "epoch", "train_loss", "eval_loss", "eval_metric", "seconds"])
        for (arm, runs) in [("standard", standard), ("weighted", weighted)] {
            for run in runs {
                for r in run.history {
                    curves.append([arm, run.label, String(r.epoch), "\(r.trainingLoss)", "\(r.evaluationLoss)",
                                   "\(r.evaluationMetric)", "\(r.seconds)"])
                }
            }
        }
        try Files.atomicWrite(Array(curves.text.utf8), to: directory + "/curves.csv")
        try Files.atomicWrite(Array(plot.svg().utf8), to: directory + "/curves.svg")
    }
}
