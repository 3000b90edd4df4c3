import ArgumentParser
import Foundation
import Training
import Tuning

/// `wconv tune`: chooses the density values by a derivative-free global search (DIRECT-L by
/// default) on a validation split, records every evaluation in a study file, and retrains the
/// best density and the standard convolution on the test set at the end.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Optimal densities: DIRECT-L over a box of density values, a durable study, test scores at the end.",
        discussion: """
            Every evaluation trains the model from the same initial weights and data order with a candidate density and
            scores it on a validation split carved from the training data; the standard convolution, the hand-picked
            --den and the box centre come first. At the end the best density, the standard and the hand-picked ones are
            retrained on all the training data with fresh seeds and scored once on the test set.
            Example (Fashion-MNIST, 7×7 VGG, ≈ 30 minutes on 2 cores):
              wconv tune --task classification --study fmnist7 --budget 24 --epochs 1 --train-subset 6000 --test-subset 2000
              (after a kill: the same command with --resume; finished evaluations are read back, not retrained)
              wconv tune --show fmnist7                # the study's table, also while another process writes it
            Under mpirun -np K, rank 0 runs the optimiser and writes the study; the seeds of each evaluation train on the
            other K−1 ranks (one seed per rank at a time, each in a child process, --jobs is not used), with the same
            results as one process; a run that crashes or passes --job-timeout is retried once on another rank, then the
            evaluation is recorded as failed. With K ≥ 2 × seeds the ranks form one group per seed instead, and each
            seed's run is data-parallel over its group.
            Boxes (outer → inner, from the paper): 3×3 [0.5, 1.5]; 5×5 [0.05, 1] × [0.5, 1.5];
            7×7 [0.05, 0.5] × [0.15, 1] × [0.25, 1.5]; other sizes [0.05, 1.5] per entry; --box overrides.
            """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var compute: ThreadOptions
    @Option(help: "Name of the study (its folder under --output holds study.sqlite, CSV, JSON, SVG).") var study = "study"
    @Option(help: "Folder of the studies.") var output = "runs/tune"
    @Flag(help: "Continue the study: finished evaluations are answered from its file.") var resume = false
    @Option(help: "Print the table of study NAME and exit (read-only).") var show: String?
    @Option(help: "Box per density entry, outermost first, lo:hi comma-separated; ';' between axes (e.g. \"0.05:0.5,0.15:1,0.25:1.5\").")
    var box: BoxArgument?
    @Flag(help: "Anisotropic search: one profile per axis (the default box repeated).") var perAxis = false
    @Option(help: "direct-l, direct, crs2-lm or random.") var algorithm = SearchAlgorithm.directL
    @Option(parsing: .unconditional, help: OptionRanges.budget.help("Evaluations the optimiser may propose (standard and hand-picked come on top)"),
            transform: OptionRanges.budget.parse)
    var budget = 30
    @Option(help: "accuracy, psnr or loss (default: accuracy for classification, psnr for denoising).") var objective: TuningObjective?
    @Option(help: "Seeds of every evaluation (the objective is their mean).") var seeds = SeedList(argument: "1")!
    @Option(parsing: .unconditional, help: OptionRanges.jobs.help("Seeds trained at the same time (each on --threads threads)"),
            transform: OptionRanges.jobs.parse)
    var jobs = 1
    @Option(parsing: .unconditional, help: OptionRanges.validationFraction.help("Share of the training data held out for validation"),
            transform: OptionRanges.validationFraction.parse)
    var validationFraction = 0.2
    @Option(help: "Seed of the validation split.") var splitSeed: UInt64 = 1
    @Option(help: "Seed of the random optimisers (crs2-lm, random).") var searchSeed: UInt64 = 1
    @Option(help: "Fresh seeds of the final runs on the test set.") var finalSeeds = SeedList(argument: "101,102,103")!
    @Option(parsing: .unconditional, help: OptionRanges.finalEpochs.help("Epochs of the final runs (default: --epochs)"),
            transform: OptionRanges.finalEpochs.parse)
    var finalEpochs: Int?
    @Flag(help: "Stop after the search (no final runs on the test set).") var skipFinal = false
    @Option(parsing: .unconditional, help: OptionRanges.jobTimeout.help("Under mpirun: seconds one seed's run may take before it is stopped and retried on another rank"),
            transform: OptionRanges.jobTimeout.parse)
    var jobTimeout: Double?

    /// Checks every option before any work starts (`--show` reads a study and needs none).
    func validate() throws {
        if show == nil { _ = try studySettings() }
    }

    /// The study the options describe, checked.
    /// - Throws: the experiment's option errors, or `TuningError` for a box, objective or seed
    ///   list that does not fit it.
    private func studySettings() throws -> StudySettings {
        let (e, s) = try experiment.resolve()
        let settings = StudySettings(
            experiment: e, settings: s, box: try box?.box ?? DensityBox.suggested(kernelSize: e.kernelSize, axes: perAxis ? 2 : 1),
            algorithm: algorithm, budget: budget, objective: objective ?? .default(task: e.task), seeds: seeds.values,
            validation: try ValidationSplit(fraction: validationFraction, seed: splitSeed), searchSeed: searchSeed,
            finalSeeds: finalSeeds.values, finalEpochs: finalEpochs ?? s.epochs)
        try settings.validate()
        return settings
    }

    func run() throws {
        let world = try Processes.communicator()
        if let show {
            guard world.isRoot else { return }
            let report = try StudyReport(store: try StudyStore.open(path: "\(output)/\(show)/study.sqlite", readOnly: true))
            print(report.evaluationTable + (report.finals.isEmpty ? "" : "\n\n" + report.finalTable))
            return
        }
        try compute.apply()
        let settings = try studySettings()
        let e = settings.experiment
        let seedJobs = try Processes.seedJobs(on: world, seeds: settings.seeds.count, timeout: jobTimeout)
        guard world.isRoot else { return }   // this rank trained the seeds rank 0 sent until the study ended
        defer { seedJobs?.end() }
        let folder = "\(output)/\(study)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/study.sqlite"
        let store = resume && FileManager.default.fileExists(atPath: path) ? try StudyStore.open(path: path)
            : try StudyStore.create(path: path, settings: settings)
        var densityStudy = try DensityStudy(settings: settings, store: store, jobs: jobs)
        if let seedJobs { densityStudy.worker = { try evaluate($0, seedJobs: seedJobs.run) } }
        let timing = TrainingTime()
        let worker = densityStudy.worker
        densityStudy.worker = { request in try timing.measure { try worker(request) } }
        densityStudy.progress = { FileHandle.standardError.write(Data((Self.line($0, box: settings.box) + "\n").utf8)) }
        print("study \(path): \(settings.algorithm.rawValue) over \(settings.box.description), budget \(budget), objective \(settings.objective.label)")
        print(settings.validation.describe(task: e.task))
        let start = ContinuousClock.now
        let records = try densityStudy.search()
        let searchSeconds = TrainingTime.seconds(ContinuousClock.now - start)
        try StudyReport(store: store).write(to: folder)
        if timing.count > 0 {
            print(String(format: "tuner overhead (optimiser, store, replay) per evaluation: %.2f ms (%d evaluations trained, %.1f s of training each)",
                         1000 * (searchSeconds - timing.seconds) / Double(timing.count), timing.count, timing.seconds / Double(timing.count)))
        }
        var finals: [FinalArm] = []
        if !skipFinal {
            FileHandle.standardError.write(Data("final runs on the test set (seeds \(finalSeeds.values.map(String.init).joined(separator: ",")))…\n".utf8))
            finals = try densityStudy.finalRuns(records: records)
        }
        let report = try StudyReport(store: store)
        try report.write(to: folder)
        print("\n" + (skipFinal ? report.evaluationTable : report.finalTable))
        print("\nwritten: \(folder)/report.txt, evaluations.csv, study.json, best-so-far.svg, landscape-*.svg")
        // Diverged evaluations of the search are recorded and scored like failed ones; a diverged
        // final run leaves a test score that is no score.
        let diverged = finals.flatMap { arm in arm.test.runs.filter(\.diverged).map { "\(arm.name) \($0.label)" } }
        guard diverged.isEmpty else {
            throw CommandFailure("final runs \(diverged.joined(separator: ", ")) diverged (a loss or metric became NaN or infinite, or the loss grew a millionfold); "
                + "the table marks them")
        }
    }

    /// `[tune 7/30] den 0.275,0.575,0.875: accuracy 88.210 ± 0.300 | best 88.500 (#5) | ETA 16m`; a
    /// failed evaluation shows `FAILED, scored the penalty 10.000 (reason)` instead of its score.
    static func line(_ p: StudyProgress, box: DensityBox) -> String {
        let place = p.proposal.map { "\($0)/\(p.budget)" } ?? p.record.role.rawValue
        let best = p.best.map { String(format: "best %.3f (#%d %@)", $0.score, $0.index, box.argument($0.point)) } ?? ""
        let score = p.record.failure.map { String(format: "FAILED, scored the penalty %.3f (%@)", p.record.score, $0) }
            ?? String(format: "%@ %.3f ± %.3f", p.objective.rawValue, p.record.score, p.record.spread)
        return String(format: "[tune %@] den %@: %@%@, %.0f s | %@ | ETA %@", place, box.argument(p.record.point),
                      score, p.recalled ? " (from the study file)" : "", p.record.seconds, best, ProgressLine.duration(p.secondsLeft))
    }
}

extension SearchAlgorithm: ExpressibleByArgument {}
extension TuningObjective: ExpressibleByArgument {}

/// A density box: `lo:hi` per entry, outermost first, comma-separated; `;` between axes.
struct BoxArgument: ExpressibleByArgument {
    let lower: [[Double]], upper: [[Double]]

    init?(argument: String) {
        var lower: [[Double]] = [], upper: [[Double]] = []
        for axis in argument.split(separator: ";", omittingEmptySubsequences: false) {
            let pairs = axis.split(separator: ",", omittingEmptySubsequences: false).map { $0.split(separator: ":").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
            guard !pairs.isEmpty, pairs.allSatisfy({ $0.count == 2 }) else { return nil }
            lower.append(pairs.map { $0[0] })
            upper.append(pairs.map { $0[1] })
        }
        self.lower = lower
        self.upper = upper
    }

    /// The box (bounds checked).
    var box: DensityBox { get throws { try DensityBox(lower: lower, upper: upper) } }
}

/// Time spent training, summed over evaluations (to tell the tuner's own overhead apart).
final class TrainingTime: @unchecked Sendable {
    private(set) var seconds = 0.0
    private(set) var count = 0

    func measure<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            seconds += Self.seconds(ContinuousClock.now - start)
            count += 1
        }
        return try body()
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}
