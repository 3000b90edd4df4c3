import ArgumentParser
import Datasets
import Foundation
import Training
import Tuning

/// `wconv compare`: the main job. Trains the same model with standard and with weighted
/// convolution (same seed, same initial weights, same data order) for several seeds, prints a
/// side-by-side table and writes CSV, JSON and an SVG plot of the learning curves.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Weighted vs standard convolution, same weights and data, several seeds.",
        discussion: """
            Without --task, runs both default experiments on the embedded Debian data (2.5 to 6.5 minutes on the 2-core machines measured):
              classification: a small VGG with 7×7 kernels on Fashion-MNIST (12 000 training / 2 000 test images),
                              density [0.25, 0.15, 0.55];
              denoising:      an 8-layer DnCNN with 5×5 kernels on 32×32 grey patches of the MATE nature photographs,
                              σ = 25, density [0.5, 0.8], last layer starting at zero (--last-layer-init kaiming
                              reproduces the reference initialisation, which can end below the noisy input).
            The paper's settings, for users who have the data:
              wconv compare --task classification --model vgg16 --dataset cifar100 --data-dir cifar-100-binary \\
                            --kernel-size 7 --epochs 100 --train-subset 0 --test-subset 0 --augment
              wconv compare --task denoising --model dncnn --dataset folder --data-dir DIV2K_train_HR \\
                            --validation-dir DIV2K_valid_HR --rgb --epochs 100 --depth 17 --width 64
            """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var compute: ThreadOptions
    @Option(parsing: .unconditional, help: "Seeds, comma-separated; each gives one standard and one weighted run.") var seeds = SeedList(argument: "1,2")!
    @Option(help: "Folder for the runs and summaries.") var output = "runs/compare"
    @Flag(help: "Reuse finished runs and continue interrupted ones from their checkpoints.") var resume = false
    @Option(help: "Arms, comma-separated: standard, weighted (--den, trainable with --trainable-density), fixed (--den), trainable (starts at --den), tuned:STUDY (the density a wconv tune study chose).",
            transform: ArmList.parse)
    var arms = ArmList(choices: [.standard, .weighted])
    @Option(help: "Folder of the tuning studies (for tuned:STUDY).") var studies = "runs/tune"
    @Flag(help: "With --resume: accept checkpoints made with other settings or another model/data/convolution.") var force = false

    /// The tasks compared: `--task`, or classification and denoising.
    private var tasks: [TaskKind] { experiment.task.map { [$0] } ?? [.classification, .denoising] }

    /// Checks every option before any work starts.
    func validate() throws {
        if tasks.count > 1 && (experiment.model != nil || experiment.dataset != nil) {
            throw ValidationError("--model and --dataset need --task (\(TaskKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        for task in tasks { _ = try experiment.resolve(task: task) }
    }

    func run() throws {
        try compute.apply()
        let processes = try Processes.communicator()
        // One writer per folder: the root rank holds the lock (the other ranks write nothing).
        let lock = processes.isRoot ? try FolderLock(output) : nil
        defer { lock?.release() }
        var diverged: [String] = []
        for task in tasks {
            let (e, settings) = try experiment.resolve(task: task)
            let folder = "\(output)/\(task)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let outcome = try Comparison(experiment: e, settings: settings, seeds: seeds.values, directory: folder, arms: try parseArms(e),
                                         communicator: processes).run(resume: resume, force: force)
            guard processes.isRoot else { continue }
            try outcome.write(to: folder)
            print("\n" + outcome.table)
            print("\nwritten: \(folder)/summary.txt, summary.json, curves.csv, curves.svg (learning curves)\n")
            diverged += outcome.arms.flatMap(\.runs).filter(\.diverged).map { "\(task) \($0.label)" }
        }
        guard diverged.isEmpty else {
            throw CommandFailure("\(diverged.joined(separator: ", ")) diverged (a loss or metric became NaN or infinite, or the loss grew a millionfold); "
                + "the summaries mark them; try a lower --lr")
        }
    }

    /// The arms named by `--arms` for experiment `e`.
    private func parseArms(_ e: Experiment) throws -> [Comparison.Arm] {
        try arms.choices.map { choice -> Comparison.Arm in
            let name = choice.name
            switch choice {
            case .standard: return .init(name: name, kind: .standard)
            case .weighted: return .init(name: name, kind: .weighted(den: e.den, trainable: e.trainableDensity))
            case .fixed: return .init(name: name, kind: .weighted(den: e.den, trainable: false))
            case .trainable: return .init(name: name, kind: .weighted(den: e.den, trainable: true))
            case .tuned(let study):
                let report = try StudyReport(store: try StudyStore.open(path: "\(studies)/\(study)/study.sqlite", readOnly: true))
                guard report.settings.experiment.task == e.task, report.settings.box.kernelSize == e.kernelSize else {
                    throw CommandFailure("study \(study) tuned \(report.settings.box.kernelSize)×\(report.settings.box.kernelSize) \(report.settings.experiment.task) kernels, this comparison has \(e.kernelName) \(e.task)")
                }
                guard let chosen = report.chosen else { throw CommandFailure("study \(study) has no evaluated density yet") }
                return .init(name: name, kind: DensityArm.fixed(report.settings.box.profiles(chosen.point)).kind)
            }
        }
    }
}
