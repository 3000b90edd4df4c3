import ArgumentParser
import Foundation
import Training
import Tuning

/// `wconv tune`: measures the objective's seed spread, chooses the density values by a
/// derivative-free global search (DIRECT-L by default) on a validation split, re-evaluates the
/// best candidates on fresh seeds, records every evaluation in a study file, and retrains the
/// chosen density, the hand-picked one and standard convolution on the test set at the end.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Optimal densities: DIRECT-L over a box of density values, a durable study, test scores at the end.",
        discussion: """
            Every evaluation trains the model from the same initial weights and data order with a candidate density and \
            scores it on a validation split carved from the training data. Before any score, every batch norm's running \
            statistics are recomputed with the final weights over --precise-bn training batches (default 32 here): the \
            statistics a short run leaves behind still carry their start (mean 0, variance 1), which makes densities well \
            below 1 look far worse than they are.

            A study runs in four steps. (1) Noise: standard and the hand-picked --den are evaluated on --noise-seeds fresh \
            seeds, and the seed spread s of the objective is printed with the resolution 1.96·s·√(2/n) of a search on n \
            --seeds: search scores closer than that are not told apart. (2) Search: standard, the hand-picked --den and the \
            box centre, then --budget proposals of the optimiser on --seeds. (3) Re-evaluation: the --reevaluate best \
            candidates are trained again on the noise seeds and the study chooses by that mean, so the choice is not the \
            luckiest draw of the search (winner's curse). (4) Final runs: standard, hand-picked and the chosen density are \
            retrained on all the training data with --final-seeds and scored once on the test set; tuned − hand-picked and \
            tuned − standard are printed paired by seed with 95 % intervals, "resolved" when the interval excludes 0.

            Choosing the budget: a study trains (budget + 3) × seeds + (2 + reevaluate) × noise seeds validation runs of \
            --epochs each, plus 3 × final seeds final runs of --final-epochs. Look at the noise floor first: when the resolution is larger \
            than the differences you care about (a few tenths of a point of accuracy), the search cannot find them — raise \
            --epochs or --train-subset (which lowers the spread) or --seeds (which divides the resolution by √n) before \
            raising --budget. DIRECT-L needs about 10 evaluations per density entry to leave the centre of the box; the \
            final comparison resolves a difference only when it is above t·s/√(final seeds), s the spread of the paired \
            test differences and t = 2.78 for 5 seeds (12.7 for 2). Docs/Tuning.md works through a measured study.

            Example (Fashion-MNIST, 7×7 VGG):
              wconv tune --task classification --study fmnist7 --budget 24 --epochs 1 \\
                --train-subset 6000 --test-subset 2000
            After a kill, the same command with --resume reads finished evaluations back instead of retraining them.
              wconv tune --show fmnist7    # the study's table, also while it is written

            Under mpirun -np K, rank 0 runs the optimiser and writes the study; the seeds of each evaluation train on the \
            other K−1 ranks (one seed per rank at a time, each in a child process, --jobs is not used), with the same \
            results as one process; a run that crashes or passes --job-timeout is retried once on another rank, then the \
            evaluation is recorded as failed. With K ≥ 2 × seeds the ranks form one group per seed instead, and each \
            seed's run of the search is data-parallel over its group (batch norms synchronised, also while their \
            statistics are recomputed; its scores equal one process's to float rounding); the final runs then train whole \
            on the groups' first ranks, so the test scores equal one process's.

            Boxes (outer → inner, from the paper): 3×3 [0.5, 1.5]; 5×5 [0.05, 1] × [0.5, 1.5]; \
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
    @Flag(help: "Anisotropic search: one profile per spatial axis of the task (the default box repeated).") var perAxis = false
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
    @Option(parsing: .unconditional, help: OptionRanges.noiseSeeds.help("Seeds of the noise measurement (standard and hand-picked before the search) and of the re-evaluation of the best candidates after it: 1001, 1002, … (0: neither)"),
            transform: OptionRanges.noiseSeeds.parse)
    var noiseSeeds = 3
    @Option(parsing: .unconditional, help: OptionRanges.reevaluate.help("How many of the search's best densities are re-evaluated on the noise seeds; the study chooses by that mean (0: the best search score)"),
            transform: OptionRanges.reevaluate.parse)
    var reevaluate = 3
    @Option(help: "Fresh seeds of the final runs on the test set (paired differences with 95 % intervals need at least 2; 5 or more resolve more).")
    var finalSeeds = SeedList(argument: "101,102,103,104,105")!
    @Option(parsing: .unconditional, help: OptionRanges.finalEpochs.help("Epochs of the final runs (default: --epochs)"),
            transform: OptionRanges.finalEpochs.parse)
    var finalEpochs: Int?
    @Flag(help: "Stop after the search (no final runs on the test set).") var skipFinal = false
    @Option(parsing: .unconditional, help: OptionRanges.jobTimeout.help("Under mpirun: seconds one seed's run may take before it is stopped and retried on another rank"),
            transform: OptionRanges.jobTimeout.parse)
    var jobTimeout: Double?

    /// Checks every option before any work starts (`--show` reads a study and needs none).
    func validate() throws {
        guard show == nil else { return }
        guard reevaluate == 0 || noiseSeeds > 0 else {
            throw ValidationError("--reevaluate \(reevaluate) needs --noise-seeds of at least 1 (the candidates are re-evaluated on them)")
        }
        _ = try studySettings()
    }

    /// The study the options describe, checked.
    /// - Throws: the experiment's option errors, or `TuningError` for a box, objective or seed
    ///   list that does not fit it.
    private func studySettings() throws -> StudySettings {
        let (e, s) = try experiment.resolve(preciseBatchNorm: 32)
        let settings = StudySettings(
            experiment: e, settings: s, box: try box?.box ?? DensityBox.suggested(kernelSize: e.kernelSize, axes: perAxis ? e.task.spatialRank : 1),
            algorithm: algorithm, budget: budget, objective: objective ?? .default(task: e.task), seeds: seeds.values,
            validation: try ValidationSplit(fraction: validationFraction, seed: splitSeed), searchSeed: searchSeed,
            finalSeeds: finalSeeds.values, finalEpochs: finalEpochs ?? s.epochs,
            noiseSeeds: StudySettings.noiseSeeds(count: noiseSeeds), candidates: reevaluate > 0 ? reevaluate : nil)
        try settings.validate()
        return settings
    }

    func run() throws {
        let world = try Processes.communicator()
        if let show {
            guard world.isRoot else { return }
            let report = try StudyReport(store: try StudyStore.open(path: "\(output)/\(show)/study.sqlite", readOnly: true))
            print(([report.evaluationTable] + (report.checkLines.isEmpty ? [] : [report.checkLines.joined(separator: "\n")])
                   + (report.finals.isEmpty ? [] : [report.finalTable])).joined(separator: "\n\n"))
            return
        }
        try compute.apply()
        let settings = try studySettings()
        let e = settings.experiment, s = settings.settings
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
        densityStudy.note = { FileHandle.standardError.write(Data("[tune] \(Self.describe(key: $0, settings: settings))…\n".utf8)) }
        print("study \(path): \(settings.algorithm.rawValue) over \(settings.box.description), budget \(budget), objective \(settings.objective.label)")
        print(settings.validation.describe(task: e.task))
        if let batches = s.preciseBatchNorm { print("batch-norm statistics recomputed over \(batches) training batches (or the epoch's, if fewer) before every score") }
        let noise = try densityStudy.measureNoise()
        if let floor = NoiseFloor(noise: noise, searchSeeds: settings.seeds.count) { print(floor.lines(objective: settings.objective).joined(separator: "\n")) }
        let start = ContinuousClock.now, trainedBefore = (seconds: timing.seconds, count: timing.count)
        let records = try densityStudy.search()
        let searchSeconds = TrainingTime.seconds(ContinuousClock.now - start)
        let trained = (seconds: timing.seconds - trainedBefore.seconds, count: timing.count - trainedBefore.count)
        let reevaluations = try densityStudy.reevaluate(records: records, noise: noise)
        let searched = try StudyReport(store: store)
        try searched.write(to: folder)
        if !searched.reevaluationLines.isEmpty { print(searched.reevaluationLines.joined(separator: "\n")) }
        if trained.count > 0 {
            print(String(format: "tuner overhead (optimiser, store, replay) per evaluation: %.2f ms (%d evaluations trained, %.1f s of training each)",
                         1000 * (searchSeconds - trained.seconds) / Double(trained.count), trained.count, trained.seconds / Double(trained.count)))
        }
        var finals: [FinalArm] = []
        if !skipFinal {
            finals = try densityStudy.finalRuns(records: records, noise: noise, reevaluations: reevaluations)
        }
        let report = try StudyReport(store: store)
        try report.write(to: folder)
        print("\n" + (skipFinal ? report.evaluationTable : report.finalTable))
        if let batches = s.preciseBatchNorm, let cost = Self.preciseBatchNormCost(report) {
            print(String(format: "recomputing batch-norm statistics (%d batches) took %.1f s per final run on average (%.1f %% of its time; "
                         + "the validation runs spend a similar share)", batches, cost.seconds, 100 * cost.share))
        }
        print("\nwritten: \(folder)/report.txt, evaluations.csv, checks.csv, final.csv, study.json, best-so-far.svg, landscape-*.svg")
        // Diverged evaluations of the search are recorded and scored like failed ones; a diverged
        // final run leaves a test score that is no score.
        let diverged = finals.flatMap { arm in arm.test.runs.filter(\.diverged).map { "\(arm.name) \($0.label)" } }
        guard diverged.isEmpty else {
            throw CommandFailure("final runs \(diverged.joined(separator: ", ")) diverged (a loss or metric became NaN or infinite, or the loss grew a millionfold); "
                + "the table marks them")
        }
    }

    /// The mean seconds a final run spent recomputing batch-norm statistics and their share of its
    /// time (nil before the final runs).
    static func preciseBatchNormCost(_ report: StudyReport) -> (seconds: Double, share: Double)? {
        let runs = report.finals.flatMap(\.test.runs)
        let total = runs.flatMap(\.history).map(\.seconds).reduce(0, +)
        guard !runs.isEmpty, total > 0 else { return nil }
        let precise = runs.map(\.preciseBatchNormSeconds).reduce(0, +)
        return (precise / Double(runs.count), precise / total)
    }

    /// What a study store key stands for: `noise.standard` → `noise: standard on the noise seeds`.
    static func describe(key: String, settings: StudySettings) -> String {
        let seeds = settings.noiseSeeds.map { $0.map(String.init).joined(separator: ",") } ?? ""
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        switch parts.first {
        case "noise": return "measuring the noise: \(parts.last!) on seeds \(seeds)"
        case "reevaluation": return "re-evaluating candidate #\(parts.last!) on seeds \(seeds)"
        case "final": return "final runs of \(parts.last!) on the test set (seeds \(settings.finalSeeds.map(String.init).joined(separator: ",")))"
        default: return key
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
