/// What an experiment learns. Adding a task is one case here, its row in ``TaskDefaults``, and
/// its data in ``Experiment/makeTask(seed:normalisation:trainedImageShape:readsTraining:)``.
public enum TaskKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Image classification (2-D): accuracy.
    case classification
    /// Image denoising (2-D): PSNR.
    case denoising
    /// Time-series classification (1-D): accuracy.
    case series
    /// Volume denoising (3-D): PSNR.
    case volume

    /// The name the command line and the files use.
    public var description: String { rawValue }

    /// Whether the task removes noise (PSNR) rather than classifying (accuracy).
    public var denoises: Bool { self == .denoising || self == .volume }

    /// The spatial rank of the task's signals: 1 for series, 2 for images, 3 for volumes.
    public var spatialRank: Int {
        switch self {
        case .series: 1
        case .classification, .denoising: 2
        case .volume: 3
        }
    }

    /// What the task calls its training samples, for messages (`images`, `photographs`, …).
    public var samples: String {
        switch self {
        case .classification: "images"
        case .denoising: "photographs"
        case .series: "series"
        case .volume: "volumes"
        }
    }
}
