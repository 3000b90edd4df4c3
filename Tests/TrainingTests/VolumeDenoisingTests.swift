import Datasets
import Foundation
import GridCore
import Models
import Testing
import TestSupport
import Training

/// Denoising NIfTI volumes in their own intensities: an identity network (a DnCNN whose last
/// layer is zero) gives the input back through the scaling to `[0, 1]` and back, so the written
/// file holds the input's stored values under the input's header, read back with the project's
/// own reader.
@Suite struct VolumeDenoisingTests {
    let folder = NSTemporaryDirectory() + "wconv-volume-denoising-\(UUID().uuidString)"

    /// A 3-D DnCNN that starts as the identity.
    static func identity() -> DnCNN {
        DnCNN(channels: 1, depth: 2, width: 4, kernelSize: 3, spatialRank: 3, zeroLastLayer: true,
              factory: ConvolutionFactory(kind: .weighted(den: [0.5], trainable: false), seed: 2))
    }

    /// An int16 volume with scaling, an oblique qform, a different sform and anisotropic voxels,
    /// with negative values (so the scale shifts as well as divides).
    static func volume(dims: [Int]) throws -> NIfTI.Volume {
        var header = NIfTI.header(dimensions: dims)
        header.dataType = .int16
        header.pixdim = [-1, 0.9, 1.1, 2.5, 1, 1, 1, 1]
        header.slope = 0.5
        header.intercept = -3
        header.units = 2 | 8
        header.qformCode = 1
        header.quaternion = [0.1, -0.2, 0.3, 10, -20, 30]
        header.sformCode = 2
        header.sform = [0.9, 0, 0.1, -90, 0, 1.1, 0, -126, 0, 0.05, 2.5, -72]
        header.text = "denoising test"
        let stored = (0..<dims.reduce(1, *)).map { Float(($0 * 7919) % 401 - 100) }
        return NIfTI.Volume(header: header, voxels: try Grid<3>(dims: dims, scalars: stored.map { $0 * 0.5 - 3 }))
    }

    @Test func anIdentityModelWritesTheInputBackWithItsHeader() throws {
        let input = try Self.volume(dims: [7, 5, 6])
        var tiles = 0
        let result = try Denoiser(model: Self.identity(), tileSize: 4, overlap: 2).denoise(input, source: "v.nii", progress: { done, total in
            tiles = total
            #expect(done <= total)
        })
        #expect(tiles == 8)
        #expect(result.psnr == nil && result.volume.header == input.header)
        #expect(largest(result.volume.voxels.scalars, input.voxels.scalars) <= 1e-3)
        for name in ["out.nii", "out.nii.gz"] {
            let path = folder + "/" + name
            try NIfTI.write(result.volume.voxels, header: result.volume.header, to: path)
            let read = try NIfTI.readVolume(path)
            var expected = input.header
            expected.dataOffset = 352
            #expect(read.header == expected && read.header.affine == input.header.affine, "\(name)")
            #expect(read.voxels.scalars == input.voxels.scalars, "\(name): rounding to int16 recovers the stored values")
        }
    }

    /// Noise of σ = 25 on the 0–255 scale: the noisy PSNR is about 20·log10(255/25) ≈ 20.2 dB
    /// (a little more where clipping to [0, 1] removes noise); the identity network keeps it.
    @Test func addedNoiseIsMeasured() throws {
        let input = try Self.volume(dims: [8, 8, 8])
        let result = try Denoiser(model: Self.identity()).denoise(input, addingNoise: (25, 1))
        let psnr = try #require(result.psnr)
        #expect(psnr.noisy > 19.5 && psnr.noisy < 22)
        #expect(abs(psnr.noisy - psnr.denoised) < 1e-3)
    }

    @Test func seriesOfVolumesAndNonFiniteVoxelsAreRefused() throws {
        var series = try Self.volume(dims: [3, 3, 3])
        series.header.dimensions = [3, 3, 3, 2]
        #expect(throws: DataError.self) { try Denoiser(model: Self.identity()).denoise(series, source: "4d.nii") }
        var single = series
        single.header.dimensions = [3, 3, 3, 1]
        #expect(throws: Never.self) { try Denoiser(model: Self.identity()).denoise(single) }
        var nan = try Self.volume(dims: [3, 3, 3])
        nan.voxels[[1, 1, 1]] = .nan
        #expect(throws: DataError.self) { try Denoiser(model: Self.identity()).denoise(nan, source: "nan.nii") }
    }

    @Test func theIntensityScaleMapsToTheUnitRangeAndBack() throws {
        let mri = try Grid<3>(dims: [1, 1, 3], scalars: [0, 50, 200])
        let mriScale = try IntensityScale(of: mri)
        #expect(mriScale.unit(mri).scalars == [0, 0.25, 1] && mriScale.original(mriScale.unit(mri)) == mri)
        #expect(VolumePatches.unitScaled(mri).scalars == [0, 0.25, 1])
        let ct = try Grid<3>(dims: [1, 1, 3], scalars: [-1000, 0, 1000])
        #expect(try IntensityScale(of: ct).unit(ct).scalars == [0, 0.5, 1])
        let flat = try Grid<3>(dims: [1, 1, 2], scalars: [0, 0])
        #expect(try IntensityScale(of: flat).unit(flat) == flat)
    }

    func largest(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
}
