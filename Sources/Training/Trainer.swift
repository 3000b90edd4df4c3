import Communication
import Datasets
import Foundation
import NeuralNetwork
import WeightedConvolution

/// One epoch's results.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss.
    public var trainingLoss: Double
    /// Training metric (on the augmented/noisy training batches).
    public var trainingMetric: Double
    /// Evaluation loss.
    public var evaluationLoss: Double
    /// Evaluation metric.
    public var evaluationMetric: Double
    /// Learning rate of the weights during the epoch.
    public var learningRate: Double
    /// Wall time of the epoch (training and evaluation), seconds.
    public var seconds: Double
    /// Training throughput.
    public var imagesPerSecond: Double
    /// Density parameters by layer after the epoch (trainable or not).
    public var densities: [String: [Float]]
    /// Seconds spent recomputing the batch-norm statistics before the evaluation (included in
    /// ``seconds``; `nil` when they were not recomputed).
    public var preciseBatchNormSeconds: Double?

    /// A record of one epoch.
    public init(epoch: Int, trainingLoss: Double, trainingMetric: Double, evaluationLoss: Double, evaluationMetric: Double,
                learningRate: Double, seconds: Double, imagesPerSecond: Double, densities: [String: [Float]],
                preciseBatchNormSeconds: Double? = nil) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.trainingMetric = trainingMetric
        self.evaluationLoss = evaluationLoss
        self.evaluationMetric = evaluationMetric
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
        self.densities = densities
        self.preciseBatchNormSeconds = preciseBatchNormSeconds
    }
}

/// The outcome of a training run.
public struct RunResult: Codable, Sendable {
    /// A label such as `weighted seed 2`.
    public var label: String
    /// One record per epoch.
    public var history: [EpochRecord]
    /// Whether the run diverged: a training loss, evaluation loss or evaluation metric became NaN
    /// or infinite, or a training loss grew past ``Trainer/divergenceGrowth`` times the first
    /// (training stopped there).
    public var diverged: Bool
    /// Peak resident memory of the process, MiB.
    public var peakMemoryMiB: Double
    /// Trainable parameters.
    public var parameterCount: Int
    /// The convolution algorithm the model was built with (`nil` in results written before it was recorded).
    public var convolutionMethod: ConvolutionMethod?
    /// The algorithm each convolution ran with, per input shape (`nil` in results written before
    /// it was recorded).
    public var convolutionPlan: ConvolutionPlan?

    /// The outcome of a run.
    public init(label: String, history: [EpochRecord], diverged: Bool, peakMemoryMiB: Double, parameterCount: Int,
                convolutionMethod: ConvolutionMethod? = nil, convolutionPlan: ConvolutionPlan? = nil) {
        self.label = label
        self.history = history
        self.diverged = diverged
        self.peakMemoryMiB = peakMemoryMiB
        self.parameterCount = parameterCount
        self.convolutionMethod = convolutionMethod
        self.convolutionPlan = convolutionPlan
    }

    /// The last epoch's evaluation metric (NaN when no epoch finished).
    public var finalMetric: Double { history.last?.evaluationMetric ?? .nan }
    /// The best evaluation metric over epochs.
    public var bestMetric: Double { history.map(\.evaluationMetric).filter(\.isFinite).max() ?? .nan }
    /// Seconds spent recomputing batch-norm statistics over the run (0 when they were not).
    public var preciseBatchNormSeconds: Double { history.compactMap(\.preciseBatchNormSeconds).reduce(0, +) }
    /// Mean seconds per epoch.
    public var secondsPerEpoch: Double { history.isEmpty ? .nan : history.map(\.seconds).reduce(0, +) / Double(history.count) }
}

/// Trains a model on a task: progress line, per-epoch CSV, atomic checkpoints, resumption.
///
/// On several ranks (a `Communicator` of size K, e.g. `mpirun -np K wconv train`) the training
/// is data-parallel: every rank holds a replica, trains its share of each global batch and the
/// gradients are summed over the ranks each step (see `DataParallel`); only rank 0 shows
/// progress and writes files, and every rank returns the same result.
public struct Trainer {
    /// The optimisation settings.
    public let settings: TrainingSettings
    /// A folder for `history.csv`, `checkpoint.safetensors`, `model.safetensors`, `result.json`;
    /// `nil` writes nothing.
    public let directory: String?
    /// Prefix of the progress line, e.g. `weighted s1`.
    public let label: String
    /// What defines the run besides ``settings`` (model, data, convolution kind and density, as
    /// text): stored in checkpoints and weights, and compared when a run is resumed.
    public let identity: String
    /// The replicas of a data-parallel run (default: this process alone).
    public let communicator: any Communicator
    /// Whether rank 0 shows the progress line (off for runs that a tuning worker rank makes).
    public let showsProgress: Bool
    /// The convolution algorithm the model was built with, recorded in the result.
    public let convolutionMethod: ConvolutionMethod

    /// A trainer.
    /// - Parameters:
    ///   - settings: the optimisation settings.
    ///   - directory: the folder for the run's files (`nil`: none).
    ///   - label: the prefix of the progress line.
    ///   - identity: what defines the run besides the settings (see ``identity``).
    ///   - communicator: the replicas of a data-parallel run; a checkpoint to resume from must be
    ///     readable by every rank (a shared file system, as on a cluster).
    ///   - showsProgress: whether rank 0 shows the progress line.
    ///   - convolutionMethod: the convolution algorithm the model was built with (recorded in the result).
    public init(settings: TrainingSettings, directory: String?, label: String, identity: String = "",
                communicator: any Communicator = SingleProcess(), showsProgress: Bool = true,
                convolutionMethod: ConvolutionMethod = .auto) {
        self.settings = settings
        self.directory = directory
        self.label = label
        self.identity = identity
        self.communicator = communicator
        self.showsProgress = showsProgress
        self.convolutionMethod = convolutionMethod
    }

    /// How many times its first batch's loss a batch loss may reach before the run counts as
    /// diverged (a run whose learning rate is far too large reaches 10¹⁴ within an epoch, long
    /// before the loss overflows to infinity).
    public static let divergenceGrowth = 1e6

    /// Trains `model` on `task` for ``TrainingSettings/epochs`` epochs; with `resume`, continues
    /// from the checkpoint in ``directory`` when there is one (bit for bit: same batches, same
    /// optimiser state; on any number of ranks, as checkpoints hold the replicated state). A
    /// checkpoint that already reached ``TrainingSettings/epochs`` gives the finished run's result
    /// without training.
    ///
    /// A diverging run is not an error here: when a batch's training loss becomes NaN, infinite
    /// or larger in magnitude than ``divergenceGrowth`` times the first batch's (and than
    /// ``divergenceGrowth``), or the evaluation loss or metric becomes NaN or infinite, training
    /// stops after that epoch (no checkpoint
    /// of it is saved), and the result (and `result.json`) says `diverged: true`, with the
    /// non-finite values written as `"nan"`/`"inf"`; the caller decides how to report it
    /// (`wconv train` exits with an error).
    /// - Parameters:
    ///   - model: the network to train (its parameters are updated in place).
    ///   - task: the data, loss and metric.
    ///   - resume: continue from the checkpoint in ``directory`` when there is one.
    ///   - force: resume even from a checkpoint made with other settings (seed, learning
    ///     rates, schedule, …) or another ``identity``.
    /// - Returns: the run's history and summary.
    /// - Throws: configuration, data, checkpoint or communication errors: invalid settings, a
    ///   checkpoint past ``TrainingSettings/epochs``, a corrupt one, or (without `force`) one of
    ///   another run.
    public func run(model: any Module, task: any TrainingTask, resume: Bool = false, force: Bool = false) throws -> RunResult {
        try settings.validate()
        let optimizer = settings.makeOptimizer(model.namedParameters())
        let schedule = settings.schedule.factors(epochs: settings.epochs)
        let densitySchedule = settings.densitySchedule.factors(epochs: settings.epochs)
        var history: [EpochRecord] = []
        var start = 0
        let checkpoint = directory.map { $0 + "/checkpoint.safetensors" }
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
            let saved = try Checkpoint.restore(from: checkpoint, model: model, optimizer: optimizer)
            if !force { try checkSameRun(saved, path: checkpoint) }
            guard saved.epoch <= settings.epochs else {
                throw TrainingError("\(checkpoint) is after epoch \(saved.epoch), beyond --epochs \(settings.epochs) "
                    + "(give --epochs ≥ \(saved.epoch), or another --output)")
            }
            (start, history) = (saved.epoch, saved.history)
            if communicator.isRoot {
                FileHandle.standardError.write(Data("[\(label)] resuming after epoch \(start) from \(checkpoint)\n".utf8))
            }
        }
        let replicas = DataParallel(communicator: communicator)
        try replicas.prepare(model)
        defer { replicas.finish(model) }
        var progress = ProgressLine(enabled: communicator.isRoot && showsProgress)
        if let note = shortRunNote(model: model, task: task) { progress.show(note, force: true) }
        var diverged = false
        var firstLoss: Double?   // the magnitude of this run's first batch loss
        for epoch in start..<settings.epochs {
            let factor = schedule.factor(epoch: epoch)
            optimizer.learningRateScale = [.weights: factor, .noDecay: factor, .densities: densitySchedule.factor(epoch: epoch)]
            let epochStart = ContinuousClock.now
            model.setTraining(true)
            let batchCount = task.trainingBatchCount(epoch: epoch)
            let prefetcher = Prefetcher(count: batchCount, make: replicas.trainingBatches(of: task, epoch: epoch))
            var lossSum = 0.0, metricSum = 0.0, seen = 0
            for index in 0..<batchCount {
                let (batch, globalCount) = prefetcher.next()
                guard replicas.trains(globalCount: globalCount) else { continue }
                model.zeroGradients()
                let output = try model(Variable(Tensor(shape: batch.shape, scalars: batch.input)))
                let loss = try task.loss(output, batch)
                let value = Double(loss.value.scalars[0])
                guard value.isFinite || replicas.isDistributed else { diverged = true; break }
                let step = try replicas.backward(loss, share: batch.count, global: globalCount, parameters: model.parameters, statistics: [
                    value * Double(batch.count), task.metricSum(output.value, batch), Double(batch.count)]).statistics
                let batchLoss = step[0] / max(1, step[2])
                if firstLoss == nil { firstLoss = abs(batchLoss) }
                guard batchLoss.isFinite, abs(batchLoss) <= Self.divergenceGrowth * max(1, firstLoss!) else { diverged = true; break }
                optimizer.step()
                lossSum += step[0]
                metricSum += step[1]
                seen += Int(step[2])
                let elapsed = seconds(since: epochStart)
                let epochEstimate = elapsed / Double(index + 1) * Double(batchCount)
                let remaining = epochEstimate - elapsed + epochEstimate * Double(settings.epochs - epoch - 1)
                progress.show(String(format: "[%@] epoch %d/%d batch %d/%d loss %.4f %@ %.2f %.0f img/s ETA %@",
                                     label, epoch + 1, settings.epochs, index + 1, batchCount, lossSum / Double(seen),
                                     task.metricName, metricSum / Double(seen), Double(seen) / elapsed,
                                     ProgressLine.duration(remaining)))
            }
            let trainingSeconds = seconds(since: epochStart)
            var preciseSeconds: Double?
            if let batches = settings.preciseBatchNorm, !diverged {
                preciseSeconds = try PreciseBatchNorm(batches: batches, communicator: communicator)
                    .recompute(model: model, task: task, epoch: epoch).seconds
            }
            let evaluation = diverged ? (loss: Double.nan, metric: Double.nan) : try evaluate(model: model, task: task)
            // A finite training loss can still leave weights whose evaluation overflows.
            if !(evaluation.loss.isFinite && evaluation.metric.isFinite) { diverged = true }
            let record = EpochRecord(
                epoch: epoch + 1, trainingLoss: diverged ? .nan : lossSum / Double(max(1, seen)),
                trainingMetric: metricSum / Double(max(1, seen)), evaluationLoss: evaluation.loss,
                evaluationMetric: evaluation.metric, learningRate: Double(optimizer.learningRate(.weights)),
                seconds: seconds(since: epochStart), imagesPerSecond: Double(seen) / trainingSeconds,
                densities: Self.densities(of: model), preciseBatchNormSeconds: preciseSeconds)
            history.append(record)
            progress.show(String(format: "[%@] epoch %d/%d done: train loss %.4f, eval loss %.4f, eval %@ %.3f, %.1f s%@%@",
                                 label, epoch + 1, settings.epochs, record.trainingLoss, record.evaluationLoss,
                                 task.metricName, record.evaluationMetric, record.seconds,
                                 preciseSeconds.map { String(format: " (%.1f s of it recomputing batch-norm statistics)", $0) } ?? "",
                                 diverged ? " — DIVERGED (loss or metric not finite, or loss grown a millionfold)" : ""),
                          force: true)
            if let directory, communicator.isRoot {
                try writeHistory(history, to: directory + "/history.csv")
                if !diverged {
                    try Checkpoint.save(model: model, optimizer: optimizer, epoch: epoch + 1, history: history,
                                        settings: settings, identity: identity, metadata: task.modelMetadata, to: checkpoint!)
                }
            }
            if diverged { break }
        }
        let plan = ConvolutionPlan(of: model, requested: convolutionMethod)
        if !plan.layers.isEmpty {
            progress.show("[\(label)] convolution plan (layer × input shape): \(plan.summary)"
                          + (plan.rates.map { "; .auto's rates: \($0)" } ?? "") + " (all in result.json)", force: true)
        }
        let result = RunResult(label: label, history: history, diverged: diverged, peakMemoryMiB: peakMemoryMiB(),
                               parameterCount: model.parameterCount, convolutionMethod: convolutionMethod, convolutionPlan: plan)
        if let directory, communicator.isRoot {
            var metadata = task.modelMetadata
            metadata["identity"] = identity
            try Checkpoint.weights(of: model, metadata: metadata).write(to: directory + "/model.safetensors")
            try JSONFiles.write(result, to: directory + "/result.json")
        }
        return result
    }

    /// A note for runs whose first epoch is too short for the running batch-norm statistics to
    /// forget their start (fewer than 100 steps) and that do not recompute them, or nil.
    private func shortRunNote(model: any Module, task: any TrainingTask) -> String? {
        let steps = task.trainingBatchCount(epoch: 0)
        guard settings.preciseBatchNorm == nil, steps < 100, !PreciseBatchNorm.batchNorms(in: model).isEmpty else { return nil }
        return String(format: "[%@] note: %d steps per epoch: at the first evaluation the batch-norm running statistics still carry "
                      + "%.0f %% of their start (mean 0, variance 1), which lowers the scores of densities well below 1; "
                      + "--precise-bn 32 recomputes them before every score", label, steps, 100 * pow(0.9, Double(steps)))
    }

    /// Throws unless `saved` comes from a run with these settings (the epoch count aside, so a
    /// run can be extended) and this identity.
    private func checkSameRun(_ saved: Checkpoint.Saved, path: String) throws {
        if let old = saved.settings {
            var extended = old
            extended.epochs = settings.epochs
            guard extended == settings else {
                throw TrainingError("\(path) was made with other settings (\(try JSONFiles.text(old, pretty: false))); "
                    + "resume with the same seed, learning rates and schedule, or give --force")
            }
        }
        if let old = saved.identity, old != identity {
            throw TrainingError("\(path) was made for another run (\(old)), this one is \(identity); use another --output, or --force")
        }
    }

    /// Mean loss and metric of `model` on the task's evaluation batches, in evaluation mode (on
    /// several ranks, each evaluates every K-th batch and the sums are added).
    /// - Throws: shape or communication errors, or ``TrainingError`` when there is no evaluation batch.
    public func evaluate(model: any Module, task: any TrainingTask) throws -> (loss: Double, metric: Double) {
        model.setTraining(false)
        defer { model.setTraining(true) }
        let replicas = DataParallel(communicator: communicator)
        var sums = [0.0, 0.0, 0.0]   // loss, metric, samples
        for batch in replicas.shareOfEvaluation(task.evaluationBatches()) {
            let output = try model(Variable(Tensor(shape: batch.shape, scalars: batch.input)))
            sums[0] += Double(try task.loss(output, batch).value.scalars[0]) * Double(batch.count)
            sums[1] += task.metricSum(output.value, batch)
            sums[2] += Double(batch.count)
        }
        let total = try replicas.total(sums)
        guard total[2] > 0 else { throw TrainingError("the evaluation set is empty") }
        return (total[0] / total[2], total[1] / total[2])
    }

    /// The density parameters of every weighted layer, by parameter name.
    static func densities(of model: any Module) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters().filter { $0.name.hasSuffix(".density") }
            .map { ($0.name, $0.parameter.value.scalars) })
    }

    private func writeHistory(_ history: [EpochRecord], to path: String) throws {
        var table = CSVTable(header: ["epoch", "train_loss", "train_metric", "eval_loss", "eval_metric", "learning_rate",
                                      "seconds", "images_per_second"])
        for r in history {
            table.append([String(r.epoch), "\(r.trainingLoss)", "\(r.trainingMetric)", "\(r.evaluationLoss)",
                          "\(r.evaluationMetric)", "\(r.learningRate)", "\(r.seconds)", "\(r.imagesPerSecond)"])
        }
        try Files.atomicWrite(Array(table.text.utf8), to: path)
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// The process's peak resident memory (VmHWM), MiB; 0 where `/proc` is unavailable.
public func peakMemoryMiB() -> Double { processMemoryMiB("VmHWM") }

/// The process's resident memory now (VmRSS), MiB; 0 where `/proc` is unavailable.
public func residentMemoryMiB() -> Double { processMemoryMiB("VmRSS") }

/// The value of `field` (in KiB) of `/proc/self/status`, in MiB; 0 where it cannot be read.
private func processMemoryMiB(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}
