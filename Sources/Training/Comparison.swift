import Communication
import Datasets
import Foundation
import GridCore
import Models

/// Arms of convolution on one experiment — standard against weighted by default, or any list
/// (fixed, trainable, tuned densities): the same model, seed, initial weights and data order for
/// every arm, repeated over several seeds, summarised as mean ± standard deviation with the
/// trivial baseline beside it.
public struct Comparison {
    /// One arm: a name for the tables and how its convolutions are built.
    public struct Arm: Sendable, Equatable {
        /// Name in tables, files and folders (e.g. `standard`, `trainable`, `tuned`).
        public var name: String
        /// Standard, fixed or trainable weighted convolution.
        public var kind: ConvolutionKind

        /// An arm.
        public init(name: String, kind: ConvolutionKind) {
            self.name = name
            self.kind = kind
        }
    }

    /// The experiment (model, data, density).
    public let experiment: Experiment
    /// The optimisation settings (the seed is replaced by each of ``seeds``).
    public let settings: TrainingSettings
    /// Seeds; each gives one run of every arm.
    public let seeds: [UInt64]
    /// Folder for every run's files and the summary.
    public let directory: String
    /// The arms, compared in this order (differences are taken against the first).
    public let arms: [Arm]
    /// The replicas every run is trained on, data-parallel (default: this process alone).
    public let communicator: any Communicator

    /// A comparison.
    /// - Parameters:
    ///   - experiment: the model, data and density.
    ///   - settings: the optimisation settings.
    ///   - seeds: one run of every arm per seed.
    ///   - directory: the folder for the runs' files.
    ///   - arms: the arms (default: standard against the experiment's weighted density).
    ///   - communicator: the replicas each run is trained on (see ``Trainer``).
    public init(experiment: Experiment, settings: TrainingSettings, seeds: [UInt64], directory: String, arms: [Arm]? = nil,
                communicator: any Communicator = SingleProcess()) {
        self.experiment = experiment
        self.settings = settings
        self.seeds = seeds
        self.directory = directory
        self.arms = arms ?? [Arm(name: "standard", kind: .standard),
                             Arm(name: "weighted", kind: .weighted(den: experiment.den, trainable: experiment.trainableDensity))]
        self.communicator = communicator
    }

    /// The runs of one arm.
    public struct ArmRuns: Codable, Sendable {
        /// The arm's name.
        public var name: String
        /// Whether its density was trained (its learned profiles are reported).
        public var trainable: Bool
        /// One run per seed.
        public var runs: [RunResult]

        /// The runs of an arm.
        public init(name: String, trainable: Bool, runs: [RunResult]) {
            self.name = name
            self.trainable = trainable
            self.runs = runs
        }
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
        /// Every arm's runs, in the comparison's order.
        public var arms: [ArmRuns]

        /// An outcome from its parts.
        public init(experiment: Experiment, settings: TrainingSettings, metricName: String, baselineName: String,
                    baselineValue: Double, arms: [ArmRuns]) {
            self.experiment = experiment
            self.settings = settings
            self.metricName = metricName
            self.baselineName = baselineName
            self.baselineValue = baselineValue
            self.arms = arms
        }
    }

    /// Trains every arm for every seed (resuming finished or interrupted runs when `resume`;
    /// `force` as in ``Trainer/run(model:task:resume:force:)``), each in its folder
    /// `directory/ARM-seedS` with a `config.json` (see ``RunConfiguration``), so that a
    /// ``TrainedRun`` reads it as it reads a run of `wconv train`.
    /// - Throws: data, configuration or checkpoint errors.
    public func run(resume: Bool = false, force: Bool = false) throws -> Outcome {
        try experiment.validate()
        var runs = arms.map { ArmRuns(name: $0.name, trainable: $0.isTrainable, runs: []) }
        var metricName = "", baseline: (name: String, value: Double) = ("", .nan)
        for seed in seeds {
            let (task, channels, size, classes) = try experiment.makeTask(seed: seed)
            metricName = task.metricName
            baseline = task.baseline ?? ("", .nan)
            var seeded = settings
            seeded.seed = seed
            for (index, arm) in arms.enumerated() {
                let model = try experiment.makeModel(kind: arm.kind, seed: seed, channels: channels, size: size, classes: classes)
                let folder = "\(directory)/\(arm.name)-seed\(seed)"
                if communicator.isRoot {
                    try RunConfiguration(experiment: experiment, settings: seeded, kind: arm.kind, threads: ComputeThreads.count,
                                         ranks: communicator.size, classes: classes > 0 ? classes : nil).write(into: folder)
                }
                let trainer = Trainer(settings: seeded, directory: folder, label: "\(arm.name) s\(seed)",
                                      identity: experiment.identity(kind: arm.kind), communicator: communicator,
                                      convolutionMethod: experiment.convolutionMethod ?? .auto)
                runs[index].runs.append(try trainer.run(model: model, task: task, resume: resume, force: force))
            }
        }
        return Outcome(experiment: experiment, settings: settings, metricName: metricName, baselineName: baseline.name,
                       baselineValue: baseline.value, arms: runs)
    }
}

extension Comparison.Arm {
    /// Whether the arm trains its density.
    var isTrainable: Bool {
        if case .weighted(_, true) = kind { return true }
        return false
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
        arms.flatMap(\.runs).compactMap { run in
            if run.diverged { return "\(run.label): DIVERGED (a loss or metric became NaN or infinite, or the loss grew a millionfold)" }
            if baselineValue.isFinite, run.finalMetric <= baselineValue {
                return String(format: "%@: ends at %.3f, no better than the %@ (%.3f)", run.label, run.finalMetric, baselineName, baselineValue)
            }
            return nil
        }
    }

    /// The side-by-side table a person reads, with each arm's difference to the first arm and the
    /// learned profiles of trainable arms.
    public var table: String {
        let seeds = arms.first?.runs.map { "\($0.label.split(separator: "s").last ?? "")" }.joined(separator: ",") ?? ""
        let title = "\(experiment.task): \(experiment.model) \(experiment.kernelName) on \(experiment.dataName)"
            + (experiment.task.denoises ? String(format: " (σ = %.0f)", experiment.sigma) : "")
            + ", \(settings.epochs) epochs, seeds \(seeds)"
            + (experiment.convolutionMethod.map { ", \($0.rawValue) convolutions" } ?? "")
        var rows = [["", "final \(metricName)", "best \(metricName)", "s/epoch", "img/s"]]
        for arm in arms {
            let name = arm.name == "weighted" || arm.name == "fixed" ? "\(arm.name) \(experiment.den)" : arm.name
            let diverged = arm.runs.filter(\.diverged).count
            let final = Self.format(arm.runs.map(\.finalMetric)) + (diverged > 0 ? " (\(diverged) of \(arm.runs.count) DIVERGED)" : "")
            rows.append([name, final, Self.format(arm.runs.map(\.bestMetric)),
                         String(format: "%.1f", meanAndSpread(arm.runs.map(\.secondsPerEpoch)).mean),
                         String(format: "%.0f", meanAndSpread(arm.runs.compactMap { $0.history.last?.imagesPerSecond }).mean)])
        }
        if let reference = arms.first {
            for arm in arms.dropFirst() {
                let paired = zip(arm.runs, reference.runs).map { $0.finalMetric - $1.finalMetric }
                rows.append(["\(arm.name) − \(reference.name)", Self.format(paired, signed: true), "", "", ""])
            }
        }
        if baselineValue.isFinite { rows.append([baselineName, String(format: "%.3f", baselineValue), "", "", ""]) }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max() ?? 0 }
        let lines = rows.map { row in row.enumerated().map { c, cell in
            c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                   : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "   ") }
        return ([title, ""] + lines + pairedIntervals + learnedProfiles + (warnings.isEmpty ? [] : [""] + warnings.map { "WARNING " + $0 }))
            .joined(separator: "\n")
    }

    /// For each arm after the first, its final metric minus the first arm's, paired by seed, with
    /// the 95 % interval (see ``PairedDifference``) and whether it is resolved.
    public var pairedIntervals: [String] {
        guard let reference = arms.first, arms.count > 1 else { return [] }
        return [""] + arms.dropFirst().map { arm in
            "\(arm.name) − \(reference.name), final \(metricName) paired by seed: "
                + PairedDifference(arm.runs.map(\.finalMetric), reference.runs.map(\.finalMetric)).summary
        }
    }

    /// For each trainable arm, the density each layer learned (mean ± spread over seeds, outermost first).
    public var learnedProfiles: [String] {
        arms.filter(\.trainable).flatMap { arm -> [String] in
            let layers = arm.runs.first?.history.last?.densities.keys.sorted() ?? []
            return ["", "learned densities of \(arm.name) (after the last epoch, mean ± spread over seeds):"] + layers.map { layer in
                let values = arm.runs.compactMap { $0.history.last?.densities[layer] }
                let entries = (0..<(values.first?.count ?? 0)).map { i in
                    let (mean, spread) = meanAndSpread(values.map { Double($0[i]) })
                    return String(format: "%.3f ± %.3f", mean, spread)
                }
                return "  \(layer): [\(entries.joined(separator: ", "))]"
            }
        }
    }

    static func format(_ values: [Double], signed: Bool = false) -> String {
        let (mean, spread) = meanAndSpread(values)
        guard mean.isFinite else { return "n/a" }
        return String(format: signed ? "%+.3f ± %.3f" : "%.3f ± %.3f", mean, spread)
    }

    /// Learning curves (evaluation metric per epoch, mean ± spread over seeds) as an SVG plot.
    public var plot: LinePlot {
        var plot = LinePlot(title: "\(experiment.model) \(experiment.kernelName) on \(experiment.dataName): "
                            + arms.map(\.name).joined(separator: " vs "), xLabel: "epoch", yLabel: metricName)
        for arm in arms {
            let epochs = arm.runs.map(\.history.count).min() ?? 0
            let stats = (0..<epochs).map { e in meanAndSpread(arm.runs.map { $0.history[e].evaluationMetric }) }
            plot.add(.init(name: arm.name, points: stats.enumerated().map { (Double($0.offset + 1), $0.element.mean) },
                           spread: stats.map { $0.spread.isFinite ? $0.spread : 0 }))
        }
        if baselineValue.isFinite {
            let last = Double(max(1, arms.flatMap(\.runs).map(\.history.count).max() ?? 1))
            plot.add(.init(name: baselineName, points: [(1, baselineValue), (last, baselineValue)], dashed: true))
        }
        return plot
    }

    /// Writes `summary.txt`, `summary.json`, `curves.csv` and `curves.svg` into `directory`.
    /// - Throws: `DataError` when a file cannot be written.
    public func write(to directory: String) throws {
        try Files.atomicWrite(Array((table + "\n").utf8), to: directory + "/summary.txt")
        try JSONFiles.write(self, to: directory + "/summary.json")
        var curves = CSVTable(header: ["arm", "run", "epoch", "train_loss", "eval_loss", "eval_metric", "seconds"])
        for arm in arms {
            for run in arm.runs {
                for r in run.history {
                    curves.append([arm.name, run.label, String(r.epoch), "\(r.trainingLoss)", "\(r.evaluationLoss)",
                                   "\(r.evaluationMetric)", "\(r.seconds)"])
                }
            }
        }
        try Files.atomicWrite(Array(curves.text.utf8), to: directory + "/curves.csv")
        try Files.atomicWrite(Array(plot.svg().utf8), to: directory + "/curves.svg")
    }
}
