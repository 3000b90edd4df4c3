import ArgumentParser
import Foundation
import Datasets
import GridCore
import Models
import Training

/// `wconv train`: one training run (standard or weighted), with progress, CSV, JSON,
/// checkpoints and `--resume`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train one model (standard or weighted convolution).")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var compute: ThreadOptions
    @Option(help: "standard or weighted.") var conv = ConvolutionVariant.weighted
    @Option(parsing: .unconditional, help: "Seed of weights, data order, augmentation and noise.") var seed: UInt64 = 1
    @Option(help: "Folder for history.csv, checkpoint.safetensors, model.safetensors, result.json.")
    var output = "runs/train"
    @Flag(help: "Continue from the checkpoint in --output.") var resume = false
    @Flag(help: "With --resume: accept a checkpoint made with other settings or another model/data/convolution.") var force = false

    /// Checks every option before any work starts.
    func validate() throws {
        _ = try experiment.resolve()
    }

    func run() throws {
        try compute.apply()
        let processes = try Processes.communicator()
        let (e, s) = try experiment.resolve()
        var settings = s
        settings.seed = seed
        let kind = conv.kind(of: e)
        let (task, channels, size, classes) = try e.makeTask(seed: seed)
        let model = try e.makeModel(kind: kind, seed: seed, channels: channels, size: size, classes: classes)
        // One writer per folder: the root rank holds the lock (the other ranks write nothing).
        let lock = processes.isRoot ? try FolderLock(output) : nil
        defer { lock?.release() }
        if processes.isRoot {
            try RunConfiguration(experiment: e, settings: settings, kind: kind, threads: ComputeThreads.count, ranks: processes.size,
                                 classes: classes > 0 ? classes : nil).write(into: output)
        }
        let result = try Trainer(settings: settings, directory: output, label: "\(kind.name) s\(seed)", identity: e.identity(kind: kind),
                                 communicator: processes, convolutionMethod: e.convolutionMethod ?? .auto)
            .run(model: model, task: task, resume: resume, force: force)
        guard processes.isRoot else { return }
        print(String(format: "%@: final %@ %.3f (best %.3f), %.1f s/epoch, %d parameters, peak memory %.0f MiB%@",
                     result.label, task.metricName, result.finalMetric, result.bestMetric, result.secondsPerEpoch,
                     result.parameterCount, result.peakMemoryMiB, result.diverged ? " — DIVERGED" : ""))
        if let baseline = task.baseline { print(String(format: "%@: %.3f", baseline.name, baseline.value)) }
        print("results in \(output)/")
        if result.diverged {
            throw CommandFailure("training diverged in epoch \(result.history.count) (a loss or metric became NaN or infinite, or the loss grew a millionfold); "
                + "\(output)/result.json records \"diverged\": true; try a lower --lr")
        }
    }
}
