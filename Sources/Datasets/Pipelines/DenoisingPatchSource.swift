/// A source of noisy/clean patch pairs for denoising, of any spatial rank: 2-D patches of images
/// (``DenoisingDataset``) or 3-D patches of volumes (``VolumePatches``). Batches depend only on
/// their arguments, so they can be built in any order or concurrently.
public protocol DenoisingPatchSource: Sendable {
    /// Side of the patches (along every axis).
    var patchSize: Int { get }
    /// Noise level on the 0–255 scale.
    var sigma: Float { get }
    /// Training batch `index` of an epoch of `count` random patches in batches of `size`.
    func trainingBatch(_ index: Int, size: Int, count: Int, seed: UInt64, epoch: Int) -> Batch
    /// A fixed validation set of `count` patches with fixed noise, in batches of `size`.
    func validationBatches(size: Int, count: Int, seed: UInt64) -> [Batch]
}

extension DenoisingDataset: DenoisingPatchSource {}
extension VolumePatches: DenoisingPatchSource {}
