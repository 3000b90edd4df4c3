import Training

/// What a study optimises, measured on the validation split after the last epoch.
public enum TuningObjective: String, Codable, Sendable, CaseIterable {
    /// Validation loss (minimised).
    case loss
    /// Validation accuracy in percent (classification; maximised).
    case accuracy
    /// Validation PSNR in dB (denoising; maximised).
    case psnr

    /// Whether larger is better.
    public var maximises: Bool { self != .loss }

    /// The default for a task: accuracy for classification (images and series), PSNR for
    /// denoising (images and volumes).
    public static func `default`(task: TaskKind) -> TuningObjective { task.denoises ? .psnr : .accuracy }

    /// Checks that the objective measures something the task has.
    /// - Throws: ``TuningError`` for accuracy on a denoising task or PSNR on a classification task.
    public func check(task: TaskKind) throws(TuningError) {
        if (self == .accuracy && task.denoises) || (self == .psnr && !task.denoises) {
            throw TuningError("objective \(rawValue) does not fit the \(task) task (classification, series: accuracy or loss; denoising, volume: psnr or loss)")
        }
    }

    /// The objective's quantity for a finished run: the last epoch's evaluation loss or metric.
    public func score(of run: RunResult) -> Double {
        self == .loss ? run.history.last?.evaluationLoss ?? .nan : run.finalMetric
    }

    /// What a diverged run, or every seed of a failed evaluation, scores: the trivial baseline for
    /// accuracy and PSNR (chance, the noisy input; 0 when it is not known yet), 10³ for a loss —
    /// finite, so the optimiser can go on, and never attractive.
    public func penalty(baseline: Double) -> Double {
        self == .loss || !baseline.isFinite ? (maximises ? 0 : 1e3) : baseline
    }

    /// The value the optimiser minimises for a mean score.
    public func minimised(_ score: Double) -> Double { maximises ? -score : score }

    /// Name with unit, for tables.
    public var label: String {
        switch self {
        case .loss: "validation loss"
        case .accuracy: "validation accuracy (%)"
        case .psnr: "validation PSNR (dB)"
        }
    }
}
