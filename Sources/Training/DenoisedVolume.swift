import Datasets
import GridCore
import NeuralNetwork

/// A NIfTI volume denoised by a 3-D model: the volume with its input's header (dimensions,
/// voxel sizes, orientation, data type, scaling), and the PSNRs when noise was added first.
public struct DenoisedVolume: Sendable {
    /// The denoised volume in the input's intensities, with the input's header.
    public var volume: NIfTI.Volume
    /// With added noise: the PSNR (dB, unit range) of the noisy volume clipped to `[0, 1]` and
    /// of the denoised one, both against the clean input; `nil` otherwise.
    public var psnr: (noisy: Double, denoised: Double)?
}

extension Denoiser {
    /// Denoises a volume in its own intensities: maps it to `[0, 1]` by its `IntensityScale`
    /// (as the volume training scales its volumes), denoises it in cubic tiles, and maps the
    /// result back, so integer volumes are written back in their stored range (the writer
    /// rounds and clips to the data type).
    /// - Parameters:
    ///   - volume: the volume and its header (from `NIfTI.readVolume`).
    ///   - source: the file, for messages.
    ///   - noise: Gaussian noise of standard deviation `σ/255` of the unit range, drawn from
    ///     `seed`, added after the scaling (as in training), to try the model on a clean volume.
    ///   - progress: called after each tile with the tiles done and their total.
    /// - Throws: `DataError` naming `source` for a file with more than one 3-D volume (4-D
    ///   series) or non-finite voxels; ``TrainingError`` or the model's shape errors for a model
    ///   that does not take one-channel volumes.
    public func denoise(_ volume: NIfTI.Volume, source: String = "(volume)", addingNoise noise: (sigma: Float, seed: UInt64)? = nil,
                        progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> DenoisedVolume {
        let extra = volume.header.dimensions.dropFirst(3)
        guard extra.allSatisfy({ $0 == 1 }) else {
            throw DataError(source, "holds \(extra.reduce(1, *)) volumes (dimensions \(volume.header.dimensions)); one 3-D volume is denoised at a time")
        }
        let scale = try IntensityScale(of: volume.voxels, source: source)
        let clean = scale.unit(volume.voxels)
        var input = clean
        if let noise {
            var generator = SeededGenerator(seed: noise.seed)
            input = clean.map { $0 + noise.sigma / 255 * generator.nextNormal() }
        }
        let restored = try Grid<3>(dims: clean.dims, scalars: try denoise(channels: 1, extents: clean.dims, values: input.scalars, progress: progress))
        let psnr = noise.map { _ in
            (noisy: Metric.psnr(input.scalars.map { min(max($0, 0), 1) }, clean.scalars), denoised: Metric.psnr(restored.scalars, clean.scalars))
        }
        return DenoisedVolume(volume: NIfTI.Volume(header: volume.header, voxels: scale.original(restored)), psnr: psnr)
    }
}
