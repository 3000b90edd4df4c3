import Foundation
import Testing
import Datasets
import GridCore
import TestSupport

/// NIfTI-1 reading and writing, and the 3-D patch sampler, on volumes written here.
@Suite struct VolumeTests {
    /// A fresh folder; the writes create it.
    let folder = NSTemporaryDirectory() + "wconv-volumes-\(UUID().uuidString)"

    func file(_ bytes: [UInt8], _ name: String) throws -> String {
        try Files.atomicWrite(bytes, to: folder + "/" + name)
        return folder + "/" + name
    }

    /// A header with an oblique qform, a different sform, anisotropic voxels and units.
    func orientedHeader(dims: [Int], type: NIfTIDataType, slope: Float = 1, intercept: Float = 0) -> NIfTIHeader {
        var header = NIfTI.header(dimensions: dims)
        header.dataType = type
        header.pixdim = [-1, 0.5, 0.75, 1.25, 2, 1, 1, 1]
        header.slope = slope
        header.intercept = intercept
        header.units = 2 | 8
        header.qformCode = 1
        header.quaternion = [0.1, -0.2, 0.3, 10, -20, 30]
        header.sformCode = 4
        header.sform = [0.5, 0, 0.1, -90, 0, 0.75, 0, -126, 0, 0.05, 1.25, -72]
        header.intent = 0
        header.text = "written by a test"
        return header
    }

    func ramp(_ dims: [Int], scale: Float = 1) -> Grid<3> {
        let count = dims.reduce(1, *)
        return try! Grid<3>(dims: dims, scalars: (0..<count).map { Float($0 % 97) * scale - 10 })
    }

    @Test func readsScaledInt16Volumes() throws {
        var bytes = niftiHeader(dims: [2, 3, 4], type: 4, bitpix: 16, slope: 0.5, intercept: 1)
        for v in 0..<24 { withUnsafeBytes(of: Int16(v)) { bytes += $0 } }
        let volume = try NIfTI.read(file(try Files.gzip(bytes), "a.nii.gz"))
        #expect(volume.dims == [2, 3, 4])
        // On disk x is fastest: voxel (x=1, y=2, z=3) is value 1 + 2·2 + 3·6 = 23 → 23·0.5 + 1.
        #expect(volume[[1, 2, 3]] == 12.5 && volume[[0, 0, 0]] == 1)
        #expect(throws: DataError.self) { try NIfTI.read(file(Array(bytes.prefix(360)), "cut.nii")) }
        let badType = niftiHeader(dims: [1, 1, 1], type: 128, bitpix: 24, slope: 1, intercept: 0) + [0, 0, 0]
        #expect(throws: DataError.self) { try NIfTI.read(file(badType, "rgb.nii")) }
    }

    @Test func writtenVolumesKeepTheirHeader() throws {
        for type in NIfTIDataType.allCases {
            for name in ["v.nii", "v.nii.gz"] {
                let header = orientedHeader(dims: [3, 4, 5], type: type)
                let volume = ramp([3, 4, 5])
                let path = folder + "/\(type.name)-" + name
                try NIfTI.write(volume, header: header, to: path)
                let read = try NIfTI.readVolume(path)
                var expected = header
                expected.dataOffset = 352
                #expect(read.header == expected, "\(type) \(name)")
                let clipped = volume.scalars.map { v in type.integerRange.map { Float(min(max(Double(v), $0.lowerBound), $0.upperBound)) } ?? v }
                #expect(read.voxels.scalars == clipped, "\(type) \(name)")
                #expect(read.header.affine[0] == [0.5, 0, Double(Float(0.1)), -90], "the sform is the affine when its code is set")
            }
        }
        let gz = try Files.read(folder + "/float32-v.nii.gz")
        #expect(gz.starts(with: [0x1F, 0x8B]), ".nii.gz files are gzip-compressed")
    }

    @Test func integerTypesRoundAndClipThroughTheScaling() throws {
        let header = orientedHeader(dims: [2, 2, 1], type: .uint8, slope: 0.5, intercept: 10)
        let values = try Grid<3>(dims: [2, 2, 1], scalars: [10.26, 9, 200, 12.74])  // stored: 0.52, −2, 380, 5.48
        let path = folder + "/scaled.nii"
        try NIfTI.write(values, header: header, to: path)
        // Stored 1, 0 (clipped), 255 (clipped), 5 → read back as stored·0.5 + 10.
        #expect(try NIfTI.read(path).scalars == [10.5, 10, 137.5, 12.5])
        let nan = try Grid<3>(dims: [2, 2, 1], scalars: [1, .nan, 3, 4])
        #expect(throws: DataError.self) { try NIfTI.write(nan, header: header, to: folder + "/nan.nii") }
        #expect(throws: DataError.self) { try NIfTI.write(ramp([2, 2, 2]), header: header, to: folder + "/shape.nii") }
    }

    @Test func theQformGivesTheAffineWithoutAnSform() throws {
        var header = orientedHeader(dims: [2, 2, 2], type: .float32)
        header.sformCode = 0
        let affine = header.affine
        // Rotation columns have the voxel sizes as lengths; qfac = −1 flips the third.
        for (column, size) in [(0, 0.5), (1, 0.75), (2, 1.25)] {
            let length = (0..<3).map { affine[$0][column] * affine[$0][column] }.reduce(0, +).squareRoot()
            #expect(abs(length - size) < 1e-6)
        }
        #expect(affine.map { $0[3] } == [10, -20, 30, 1])
        // The qform of this header as nibabel 5.4.2 computes it (`get_qform()`, rounded to 6 digits).
        let nibabel: [[Double]] = [[0.37, -0.447313, 0.388681], [0.258209, 0.6, 0.38184], [0.215472, 0.049104, -1.125]]
        for r in 0..<3 { for c in 0..<3 { #expect(abs(affine[r][c] - nibabel[r][c]) < 2e-6, "[\(r)][\(c)]") } }
        header.qformCode = 0
        #expect(header.affine == [[0.5, 0, 0, 0], [0, 0.75, 0, 0], [0, 0, 1.25, 0], [0, 0, 0, 1]])
    }

    @Test func corruptHeadersAreErrors() throws {
        let okPath = folder + "/ok.nii"
        try NIfTI.write(ramp([2, 2, 2]), header: NIfTI.header(dimensions: [2, 2, 2]), to: okPath)
        let good = try Files.read(okPath)
        #expect(try NIfTI.read(file(good, "ok.nii")).dims == [2, 2, 2])
        func damaged(_ offset: Int, _ value: Int16) -> [UInt8] {
            var bytes = good
            withUnsafeBytes(of: value) { bytes[offset] = $0[0]; bytes[offset + 1] = $0[1] }
            return bytes
        }
        #expect(throws: DataError.self) { try NIfTI.read(file(damaged(40, 9), "rank.nii")) }
        #expect(throws: DataError.self) { try NIfTI.read(file(damaged(42, -2), "negative.nii")) }
        #expect(throws: DataError.self) { try NIfTI.read(file(damaged(42, 32767), "big.nii")) }
        #expect(throws: DataError.self) { try NIfTI.read(file(Array(good.prefix(300)), "short.nii")) }
        #expect(throws: DataError.self) { try NIfTI.read(file(Array(good.dropLast(1)), "truncated.nii")) }
    }

    @Test func readsTheDebianTemplateIfInstalled() throws {
        let path = "/usr/share/mricron/templates/ch2.nii.gz"
        guard FileManager.default.fileExists(atPath: path) else { return }
        let volume = try NIfTI.readVolume(path)
        #expect(volume.voxels.dims == [181, 217, 181] && volume.voxels.max()! > 0)
        let copy = folder + "/ch2-copy.nii.gz"
        try NIfTI.write(volume.voxels, header: volume.header, to: copy)
        let again = try NIfTI.readVolume(copy)
        var expected = volume.header
        expected.dataOffset = 352
        #expect(again.header == expected && again.voxels == volume.voxels, "the template survives a round trip")
    }

    @Test func patchesAreSeededCubesOfTheVolumes() throws {
        let volume = ramp([6, 7, 8], scale: 0.01)
        let patches = try VolumePatches(volumes: [volume], patchSize: 4, sigma: 25)
        let batch = patches.trainingBatch(1, size: 3, count: 5, seed: 9, epoch: 2)
        #expect(batch.shape == [2, 1, 4, 4, 4], "the last batch of 5 in threes holds 2")
        #expect(batch.input == patches.trainingBatch(1, size: 3, count: 5, seed: 9, epoch: 2).input)
        #expect(batch.input != patches.trainingBatch(1, size: 3, count: 5, seed: 9, epoch: 3).input)
        // Every clean patch is a (possibly flipped) cube of the volume: its sorted values match one.
        let cube = 64
        for slot in 0..<2 {
            let values = Array(batch.target[(slot * cube)..<((slot + 1) * cube)]).sorted()
            var found = false
            for x in 0...2 { for y in 0...3 { for z in 0...4 {
                let window = try volume.cropped(start: [x, y, z], size: [4, 4, 4]).scalars.sorted()
                if window == values { found = true }
            } } }
            #expect(found)
        }
        let noise = zip(batch.input, batch.target).map { Double($0 - $1) }
        let spread = (noise.map { $0 * $0 }.reduce(0, +) / Double(noise.count)).squareRoot()
        #expect(abs(spread - 25.0 / 255) < 0.02, "noise of σ/255")
        let validation = patches.validationBatches(size: 4, count: 6, seed: 1)
        #expect(validation.map(\.count) == [4, 2] && validation[0].input == patches.validationBatches(size: 4, count: 6, seed: 1)[0].input)
        #expect(throws: DataError.self) { _ = try VolumePatches(volumes: [volume], patchSize: 7, sigma: 25) }
        #expect(throws: DataError.self) { _ = try VolumePatches(volumes: [], patchSize: 2, sigma: 25) }
    }

    @Test func oneVolumeSplitsIntoDisjointRegions() throws {
        let volume = ramp([4, 10, 3])
        let (training, validation) = try VolumePatches.split(volume, axis: 1, validationFraction: 0.3)
        #expect(training.dims == [4, 7, 3] && validation.dims == [4, 3, 3])
        #expect(validation[[2, 0, 1]] == volume[[2, 7, 1]] && training[[3, 6, 2]] == volume[[3, 6, 2]])
        #expect(throws: DataError.self) { _ = try VolumePatches.split(volume, axis: 3, validationFraction: 0.3) }
        #expect(throws: DataError.self) { _ = try VolumePatches.split(volume, axis: 2, validationFraction: 0.1) }
        #expect(throws: DataError.self) { _ = try VolumePatches.split(volume, axis: 0, validationFraction: 1) }
        #expect(VolumePatches.unitScaled(volume).max() == 1)
        let halved = VolumePatches.downscaled(volume, by: 2)
        #expect(halved.dims == [2, 5, 1])
        let block = [0, 1].flatMap { i in [0, 1].flatMap { j in [0, 1].map { k in volume[[2 + i, 4 + j, k]] } } }
        #expect(abs(halved[[1, 2, 0]] - block.reduce(0, +) / 8) < 1e-5)
    }
}
