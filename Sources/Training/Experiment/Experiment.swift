import Datasets
import Foundation
import Models
import WeightedConvolution

/// Everything that defines a training experiment except the convolution kind: task, model, data,
/// kernel and density, batch and subset sizes. The same experiment built with `.standard` and
/// `.weighted` gives the two arms of a comparison (same seed ⇒ same initial weights and data).
///
/// Stored as JSON in run folders, checkpoints and study files with the names the command line
/// uses; fields added later are optional and not written when unset, so files of older versions
/// load and describe the same run.
public struct Experiment: Codable, Sendable, Equatable {
    /// What is learned.
    public var task: TaskKind
    /// The model (one of ``ModelKind/tasks`` of the task).
    public var model: ModelKind
    /// Where the samples come from.
    public var dataset: DatasetKind
    /// Where the dataset's files are (defaults: the Debian packages' folders; for series the
    /// folder of the UCR problems; for volumes a folder of NIfTI files).
    public var dataDirectory: String?
    /// Validation images for `folder` datasets, or validation volumes (default: a share of the training data).
    public var validationDirectory: String?
    /// Series: the UCR problem read from ``dataDirectory`` (`NAME_TRAIN.ts` and `NAME_TEST.ts`, or `.tsv`).
    public var problem: String?
    /// Series: the training file (with ``testDataFile``) instead of a problem; volumes: the one
    /// volume cut into a training and a validation region.
    public var dataFile: String?
    /// Series: the test file beside ``dataFile``.
    public var testDataFile: String?
    /// Series: whether each series is z-normalised (`nil`: yes, the UCR convention).
    public var zNormalise: Bool?
    /// Classification from a folder: the side of the square images (`nil`: ``TaskDefaults/imageSize``).
    public var imageSize: Int?
    /// Classification from a folder: how images are brought to that side (`nil`: scaled and centre-cropped).
    public var imageFit: ImageFit?
    /// Side of the main kernels (taps along every axis).
    public var kernelSize: Int
    /// The density (outermost first) of the weighted arm; `kernelSize = 2·den.count + 1`.
    public var den: [Float]
    /// Whether the density is trained (with its own learning rate).
    public var trainableDensity = false
    /// Batch size.
    public var batchSize: Int
    /// Training samples used (0: all).
    public var trainingSubset: Int
    /// Evaluation samples used (0: all).
    public var evaluationSubset: Int
    /// Random crops and flips for classification.
    public var augment = false
    /// Label smoothing for classification.
    public var labelSmoothing: Float = 0
    /// Denoising: noise level on the 0–255 scale.
    public var sigma: Float = 25
    /// Denoising: patch side.
    public var patchSize: Int
    /// Denoising: training patches per epoch.
    public var patchesPerEpoch: Int
    /// Denoising: fixed validation patches.
    public var evaluationPatches: Int
    /// Grey (1 channel) rather than RGB images (denoising, classification folders).
    public var grey = true
    /// Denoising: integer downscale of the photographs or volumes before cutting patches.
    public var downscale: Int
    /// Denoising: the training loss.
    public var loss = DenoisingTask.LossKind.mse
    /// DnCNN depth and width.
    public var depth: Int, width: Int
    /// DnCNN: start the last layer at zero (identity network) instead of Kaiming fan-out.
    public var zeroLastLayer = true
    /// NAFNet base width and blocks per level.
    public var nafWidth = 16, nafBlocks = 1
    /// The algorithm of every convolution: `nil` (not written, so older files and identities
    /// stay valid) for `.auto`; `.winograd` runs the layers it does not support on the direct path.
    public var convolutionMethod: ConvolutionMethod?

    /// An experiment of `task` with its defaults (``TaskDefaults``).
    public init(task: TaskKind = .classification) {
        let d = TaskDefaults.of(task)
        self.task = task
        model = d.model
        dataset = d.dataset
        den = d.den
        kernelSize = 2 * d.den.count + 1
        batchSize = d.batchSize
        trainingSubset = d.trainingSubset
        evaluationSubset = d.evaluationSubset
        patchSize = d.patchSize
        patchesPerEpoch = d.patchesPerEpoch
        evaluationPatches = d.evaluationPatches
        downscale = d.downscale
        depth = d.depth
        width = d.width
    }

    /// The experiment and the convolution kind (with its density) on one line: what identifies a run besides its
    /// ``TrainingSettings`` (see ``Trainer/identity``).
    public func identity(kind: ConvolutionKind) -> String {
        "\(kind) " + ((try? JSONFiles.text(self, pretty: false)) ?? "")
    }

    /// The main kernels' size as a person writes it for the task's rank: `7-tap`, `7×7`, `5×5×5`.
    public var kernelName: String {
        task.spatialRank == 1 ? "\(kernelSize)-tap"
            : Array(repeating: String(kernelSize), count: task.spatialRank).joined(separator: "×")
    }

    /// The data in a few words, for titles: the dataset, or the series problem or volume file.
    public var dataName: String {
        switch task {
        case .series: dataFile.map { ($0 as NSString).lastPathComponent } ?? problem ?? TaskDefaults.seriesProblem
        case .volume: dataDirectory.map { "volumes of \(($0 as NSString).lastPathComponent)" }
            ?? ((dataFile ?? TaskDefaults.volumeFile) as NSString).lastPathComponent
        default: dataset.rawValue
        }
    }
}
