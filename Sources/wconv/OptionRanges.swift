import GridCore
import Training

/// The range of every numeric option of `wconv`, one definition per option name, used by every
/// command that takes the option (the experiment's sizes come from `ExperimentLimits`, which the
/// training library enforces too).
enum OptionRanges {
    typealias L = ExperimentLimits

    // MARK: Every command
    static let threads = OptionRange(name: "--threads", range: 1...ComputeThreads.maximum)

    // MARK: Experiments (train, eval, compare, tune, denoise)
    static let kernelSize = OptionRange(name: "--kernel-size", range: 1...255)
    static let batchSize = OptionRange(name: "--batch-size", range: L.batchSize)
    static let trainSubset = OptionRange(name: "--train-subset", range: L.subset)
    static let testSubset = OptionRange(name: "--test-subset", range: L.subset)
    static let labelSmoothing = OptionRange<Float>(name: "--label-smoothing", range: 0...0.99)
    static let sigma = OptionRange<Float>(name: "--sigma", range: 0.01...255)
    static let patchSize = OptionRange(name: "--patch-size", range: L.patchSize)
    static let imageSize = OptionRange(name: "--image-size", range: L.imageSize)
    static let patchesPerEpoch = OptionRange(name: "--patches-per-epoch", range: L.patches)
    static let evalPatches = OptionRange(name: "--eval-patches", range: L.patches)
    static let downscale = OptionRange(name: "--downscale", range: L.downscale)
    static let depth = OptionRange(name: "--depth", range: L.depth)
    static let width = OptionRange(name: "--width", range: L.width)
    static let nafWidth = OptionRange(name: "--naf-width", range: L.width)
    static let nafBlocks = OptionRange(name: "--naf-blocks", range: L.nafBlocks)
    static let epochs = OptionRange(name: "--epochs", range: L.epochs)
    static let learningRate = OptionRange<Float>(name: "--lr", range: 0...1e6)
    static let weightDecay = OptionRange<Float>(name: "--weight-decay", range: 0...1e6)
    static let densityLearningRate = OptionRange<Float>(name: "--density-lr", range: 0...1e6)
    static let preciseBatchNorm = OptionRange(name: "--precise-bn", range: 0...L.preciseBatchNormBatches.upperBound)
    /// Every density value (`--den`, `--den-per-axis`, `--profile-per-axis`): larger values only
    /// overflow the convolution.
    static let densityValue = OptionRange<Float>(name: "density values", range: -1000...1000)

    // MARK: tune
    static let budget = OptionRange(name: "--budget", range: 1...10_000)
    static let jobs = OptionRange(name: "--jobs", range: 1...ComputeThreads.maximum)
    static let validationFraction = OptionRange<Double>(name: "--validation-fraction", range: 0.01...0.99)
    static let finalEpochs = OptionRange(name: "--final-epochs", range: L.epochs)
    static let noiseSeeds = OptionRange(name: "--noise-seeds", range: 0...100)
    static let reevaluate = OptionRange(name: "--reevaluate", range: 0...100)
    static let jobTimeout = OptionRange<Double>(name: "--job-timeout", range: 1...604_800)

    // MARK: eval
    static let images = OptionRange(name: "--images", range: 0...100_000)

    // MARK: conv
    static let stride = OptionRange(name: "--stride", range: 1...4096)
    static let dilation = OptionRange(name: "--dilation", range: 1...4096)
    static let padding = OptionRange(name: "--padding", range: 0...1024)
    static let groups = OptionRange(name: "--groups", range: 1...65_536)
    static let gaussian = OptionRange<Float>(name: "--gaussian", range: 0.001...1000)

    // MARK: bench
    static let steps = OptionRange(name: "--steps", range: 1...10_000)
    static let repeats = OptionRange(name: "--repeats", range: 1...1000)
    static let rounds = OptionRange(name: "--rounds", range: 1...100)
    /// The global batch of `bench scaling` (its synthetic input and activations stay in memory).
    static let scalingBatch = OptionRange(name: "--batch", range: 1...512)
    static let ranks = OptionRange(name: "--ranks", range: 1...64)
    /// How long `bench peak` times each figure, in seconds.
    static let peakSeconds = OptionRange<Double>(name: "--seconds", range: 0.001...60)
}
