import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import Testing
import TestSupport
import Training

/// `wconv denoise` on NIfTI volumes with weights of a 3-D DnCNN saved here by the checkpoint
/// code: the written volume is the library's result under the input's header, a model of
/// another rank is refused by name, and `--add-noise` prints PSNR. Runs the release `wconv`
/// built beside the tests.
@Suite(.serialized) struct VolumeDenoiseCommandTests {
    static let ready = WConvTool.isBuilt && !isDebugBuild
    /// The options that build the saved models in `wconv`: two 3³ layers of 4 channels, density 0.5.
    static let options = ["--depth", "2", "--width", "4", "--kernel-size", "3", "--den", "0.5", "--threads", "1"]

    /// A DnCNN of the options' shape with random weights (its last layer too), of `rank` axes.
    static func model(rank: Int) -> DnCNN {
        DnCNN(channels: 1, depth: 2, width: 4, kernelSize: 3, spatialRank: rank, zeroLastLayer: false,
              factory: ConvolutionFactory(kind: .weighted(den: [0.5], trainable: false), seed: 21))
    }

    /// `model`'s weights in `folder`, as `wconv train` saves them.
    static func weights(_ model: DnCNN, _ folder: String, _ name: String) throws -> String {
        let path = folder + "/" + name
        try Checkpoint.weights(of: model).write(to: path)
        return path
    }

    @Test(.enabled(if: ready, "needs a release wconv beside the tests"))
    func aVolumeIsDenoisedUnderItsInputsHeader() throws {
        let folder = DenoisingCommandTests.temporaryFolder("volume-denoise")
        let network = Self.model(rank: 3)
        let weights = try Self.weights(network, folder, "dncnn3d.safetensors")
        let input = try VolumeDenoisingTests.volume(dims: [9, 6, 7])
        let inputPath = folder + "/in.nii.gz"
        try NIfTI.write(input.voxels, header: input.header, to: inputPath)
        let original = try NIfTI.readVolume(inputPath)
        for output in ["out.nii", "out.nii.gz"] {
            let run = try WConvTool.run(["denoise"] + Self.options + ["--weights", weights, "--input", inputPath, "--output", folder + "/" + output])
            #expect(run.status == 0 && run.output.contains("written"), "\(run.log)")
            let read = try NIfTI.readVolume(folder + "/" + output)
            var header = input.header
            header.dataOffset = 352
            #expect(read.header == header, "\(output)")
            // The library on the same volume with the command's tiling (context depth·⌊k/2⌋ = 2):
            // equal up to the int16 rounding of values within float error of a half step.
            let expected = try Denoiser(model: network, overlap: 2).denoise(original, source: inputPath)
            let differences = zip(read.voxels.scalars, expected.volume.voxels.scalars).map { abs($0 - $1) }
            #expect(differences.allSatisfy { $0 <= 0.25 + 1e-4 }, "\(output): within half a stored step of the library's values")
            #expect(read.voxels.scalars != original.voxels.scalars, "the model changes the volume")
        }
        let noisy = try WConvTool.run(["denoise"] + Self.options + ["--weights", weights, "--input", inputPath, "--output", folder + "/noisy.nii",
                                                                    "--add-noise", "--sigma", "25"])
        #expect(noisy.status == 0 && noisy.output.contains("PSNR: noisy") && noisy.errors.contains("tiles"), "\(noisy.log)")
    }

    @Test(.enabled(if: ready, "needs a release wconv beside the tests"))
    func modelsOfAnotherRankAndWrongOutputsAreRefused() throws {
        let folder = DenoisingCommandTests.temporaryFolder("volume-refused")
        let volumeWeights = try Self.weights(Self.model(rank: 3), folder, "dncnn3d.safetensors")
        let imageWeights = try Self.weights(Self.model(rank: 2), folder, "dncnn2d.safetensors")
        let volume = try VolumeDenoisingTests.volume(dims: [5, 5, 5])
        let volumePath = folder + "/v.nii"
        try NIfTI.write(volume.voxels, header: volume.header, to: volumePath)
        let imagePath = folder + "/i.png"
        try DenoisingCommandTests.png(imagePath, side: 8)
        let cases: [([String], String)] = [
            (["--weights", imageWeights, "--input", volumePath, "--output", folder + "/a.nii"], "holds a model for images (2-D); \(volumePath) needs one for volumes (3-D)"),
            (["--weights", volumeWeights, "--input", imagePath, "--output", folder + "/a.png"], "holds a model for volumes (3-D); \(imagePath) needs one for images (2-D)"),
            (["--weights", volumeWeights, "--input", volumePath, "--output", folder + "/a.png"], "must end in .nii or .nii.gz"),
            (["--weights", volumeWeights, "--input", imagePath, "--output", folder + "/a.nii.gz"], "not a NIfTI volume"),
            (["--weights", volumeWeights, "--input", volumePath, "--output", folder + "/./v.nii"], "is both an input and an output"),
        ]
        for (arguments, message) in cases {
            let run = try WConvTool.run(["denoise"] + Self.options + arguments)
            #expect(run.status != 0 && run.errors.contains(message), "\(arguments): \(run.log)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/a.nii") && !FileManager.default.fileExists(atPath: folder + "/a.png"))
        // A run trained on images, given a volume: the error says what it was trained as.
        let (options, _) = try DenoisingCommandTests.trained(folder)
        let run = try WConvTool.run(["denoise"] + options + ["--run", folder + "/run", "--input", volumePath, "--output", folder + "/b.nii"])
        #expect(run.status != 0 && run.errors.contains("was trained as") && run.errors.contains("not on volumes (3-D)"), "\(run.log)")
    }
}
