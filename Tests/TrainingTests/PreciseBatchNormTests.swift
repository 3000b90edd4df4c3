import Foundation
import Models
import NeuralNetwork
import Testing
import TestSupport
import Training

/// Precise batch-norm statistics: a short weighted run scored with the running statistics of
/// training collapses towards chance while the same weights scored with batch statistics, or with
/// the running statistics recomputed, are fine; the recomputation is a cumulative average of the
/// batches' statistics and leaves the weights alone.
@Suite struct PreciseBatchNormTests {
    /// 7×7 VGG with the default density `[0.25, 0.15, 0.55]` on 400 Fashion-MNIST images, batch
    /// 50: 8 steps, after which the running statistics still hold 0.9⁸ ≈ 43 % of their start.
    func experiment() -> Experiment {
        var e = Experiment()
        e.trainingSubset = 400
        e.evaluationSubset = 300
        e.batchSize = 50
        return e
    }

    /// Accuracy (%) of `model` on the task's evaluation batches, with batch statistics when
    /// `batchStatistics` (each evaluation batch normalised by its own statistics; the running ones
    /// are put back afterwards).
    func accuracy(_ model: any Module, _ task: any TrainingTask, batchStatistics: Bool) throws -> Double {
        let saved = model.namedBuffers().map(\.buffer.values)
        model.setTraining(false)
        if batchStatistics { Self.norms(model).forEach { $0.isTraining = true } }
        defer {
            for (buffer, values) in zip(model.namedBuffers().map(\.buffer), saved) { buffer.values = values }
            model.setTraining(true)
        }
        var correct = 0.0, total = 0.0
        for batch in task.evaluationBatches() {
            let output = try withoutGradients { try model(Variable(Tensor(shape: batch.shape, scalars: batch.input))) }
            correct += task.metricSum(output.value, batch)
            total += Double(batch.count)
        }
        return correct / total
    }

    static func norms(_ module: any Module) -> [BatchNorm] {
        module.namedModules().compactMap { $0.module as? BatchNorm }
    }

    @Test(.enabled(if: TinyStudy.installed, "needs the Debian Fashion-MNIST package"))
    func shortWeightedRunCollapsesWithRunningStatisticsAndNotWithPreciseOnes() throws {
        let e = experiment()
        let (task, channels, size, classes) = try e.makeTask(seed: 1)
        var settings = TrainingSettings()
        settings.epochs = 1
        let kind = ConvolutionKind.weighted(den: e.den, trainable: false)
        let plain = try e.makeModel(kind: kind, seed: 1, channels: channels, size: size, classes: classes)
        let running = try Trainer(settings: settings, directory: nil, label: "running", showsProgress: false).run(model: plain, task: task)
        settings.preciseBatchNorm = 8
        let recomputed = try e.makeModel(kind: kind, seed: 1, channels: channels, size: size, classes: classes)
        let precise = try Trainer(settings: settings, directory: nil, label: "precise", showsProgress: false).run(model: recomputed, task: task)
        let batch = try accuracy(plain, task, batchStatistics: true)
        print(String(format: "weighted 7×7, 8 steps: running statistics %.1f %%, batch statistics %.1f %%, recomputed %.1f %% (%.2f s)",
                     running.finalMetric, batch, precise.finalMetric, precise.preciseBatchNormSeconds))
        // Same weights: the recomputation changes only the statistics used to score them.
        for ((name, a), (_, b)) in zip(plain.namedParameters(), recomputed.namedParameters()) {
            #expect(a.value == b.value, "\(name) differs")
        }
        #expect(running.finalMetric < 30, "the collapse is not reproduced: \(running.finalMetric) %")
        #expect(precise.finalMetric > running.finalMetric + 25)
        #expect(abs(precise.finalMetric - batch) < 10)
        #expect(precise.history[0].preciseBatchNormSeconds.map { $0 > 0 } == true)
    }

    /// The recomputed statistics are the mean of the batches' means and of their unbiased
    /// variances (batches of equal size), computed here directly; the count of tracked batches
    /// and the model's behaviour are left as they were.
    @Test func statisticsAreTheCumulativeAverageOfTheBatches() throws {
        let norm = BatchNorm(channels: 1)
        norm.batchesTracked.values = [5]
        let model = Sequential([norm])
        model.setTraining(false)
        let task = TrainerTests().task()
        let used = try PreciseBatchNorm(batches: 2).recompute(model: model, task: task, epoch: 0).batches
        let batches = (0..<2).map { task.trainingBatches(epoch: 0)($0).input.map(Double.init) }
        let means = batches.map { $0.reduce(0, +) / Double($0.count) }
        let variances = zip(batches, means).map { b, m in b.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(b.count - 1) }
        #expect(used == 2)
        #expect(abs(Double(norm.runningMean.values[0]) - (means[0] + means[1]) / 2) < 1e-5)
        #expect(abs(Double(norm.runningVariance.values[0]) - (variances[0] + variances[1]) / 2) < 1e-5)
        #expect(norm.batchesTracked.values == [5])
        #expect(!norm.isTraining && !norm.averagesCumulatively)
    }
}
