/// The ranges of an experiment's sizes that ``Experiment/validate()`` enforces; the command line
/// shows and checks the same ranges while it parses its options.
public enum ExperimentLimits {
    /// Images (or patches) per batch.
    public static let batchSize = 1...65_536
    /// Training or evaluation images used (0: all).
    public static let subset = 0...Int(Int32.max)
    /// Side of a denoising patch.
    public static let patchSize = 1...4096
    /// Denoising patches per epoch, and fixed validation patches.
    public static let patches = 1...Int(Int32.max)
    /// Integer downscale of the photographs.
    public static let downscale = 1...1024
    /// DnCNN depth (layers).
    public static let depth = 2...1000
    /// DnCNN and NAFNet widths (channels).
    public static let width = 1...65_536
    /// NAFNet blocks per level.
    public static let nafBlocks = 0...1000
    /// Side of the square images made from a classification folder.
    public static let imageSize = 1...4096
    /// Epochs of a run (``TrainingSettings/validate()``).
    public static let epochs = 1...100_000
    /// Training batches over which the batch-norm statistics are recomputed before a score, when
    /// that is on (the command line's `--precise-bn`, where 0 turns it off).
    public static let preciseBatchNormBatches = 1...100_000
}
