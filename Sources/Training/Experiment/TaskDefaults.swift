/// The default experiment and training settings of each task: the one table that the library
/// (``Experiment/init(task:)``, ``TrainingSettings/init(task:)``) and the command line use.
/// The values are those the measurements in the README were made with.
public struct TaskDefaults: Sendable, Equatable {
    /// The model.
    public var model: ModelKind
    /// The data.
    public var dataset: DatasetKind
    /// The density of the weighted arm, outermost first (kernel size `2·count + 1`).
    public var den: [Float]
    /// Batch size.
    public var batchSize: Int
    /// Training samples used (0: all).
    public var trainingSubset: Int
    /// Evaluation samples used (0: all).
    public var evaluationSubset: Int
    /// Denoising patch side.
    public var patchSize: Int
    /// Denoising training patches per epoch.
    public var patchesPerEpoch: Int
    /// Denoising fixed validation patches.
    public var evaluationPatches: Int
    /// Integer downscale of photographs and volumes.
    public var downscale: Int
    /// DnCNN depth and width (classification keeps the values its runs have always recorded).
    public var depth: Int, width: Int
    /// Epochs.
    public var epochs: Int
    /// Learning rate of the weights.
    public var learningRate: Float

    /// The row of `task`.
    public static func of(_ task: TaskKind) -> TaskDefaults {
        switch task {
        case .classification:
            TaskDefaults(model: .vggSmall, dataset: .fashionMnist, den: [0.25, 0.15, 0.55], batchSize: 64, trainingSubset: 12_000,
                         evaluationSubset: 2_000, patchSize: 32, patchesPerEpoch: 1024, evaluationPatches: 256, downscale: 4,
                         depth: 17, width: 64, epochs: 4, learningRate: 1e-3)
        case .denoising:
            TaskDefaults(model: .dncnn, dataset: .photos, den: [0.5, 0.8], batchSize: 16, trainingSubset: 0, evaluationSubset: 0,
                         patchSize: 32, patchesPerEpoch: 1024, evaluationPatches: 256, downscale: 4, depth: 8, width: 32, epochs: 6,
                         learningRate: 1e-3)
        case .series:
            TaskDefaults(model: .seriesSmall, dataset: .ucr, den: [0.25, 0.15, 0.55], batchSize: 16, trainingSubset: 0,
                         evaluationSubset: 0, patchSize: 32, patchesPerEpoch: 1024, evaluationPatches: 256, downscale: 1,
                         depth: 8, width: 32, epochs: 40, learningRate: 3e-3)
        case .volume:
            TaskDefaults(model: .dncnn, dataset: .nifti, den: [0.5, 0.8], batchSize: 4, trainingSubset: 0, evaluationSubset: 0,
                         patchSize: 24, patchesPerEpoch: 96, evaluationPatches: 16, downscale: 2, depth: 3, width: 8, epochs: 30,
                         learningRate: 1e-3)
        }
    }

    /// The UCR problem a series experiment reads when none is named.
    public static let seriesProblem = "GunPoint"
    /// Where `scripts/fetch-ucr` puts the UCR problems (relative to the working folder).
    public static let seriesFolder = "data/ucr"
    /// The volume a volume experiment reads when no data is named: the Colin27 template of
    /// Debian's `mricron-data`. (Its folder also holds label atlases, which are not images to denoise.)
    public static let volumeFile = "/usr/share/mricron/templates/ch2.nii.gz"
    /// The side of the images of a classification folder when none is given.
    public static let imageSize = 32
    /// The share of a classification folder (without a validation folder) held out for evaluation.
    public static let folderValidationFraction = 0.2
}
