import ArgumentParser
import Datasets
import Foundation
import GridCore
import NeuralNetwork
import Training

/// `wconv denoise`: applies a trained denoiser to an image file (PNG, JPEG) or to a NIfTI
/// volume (`.nii`, `.nii.gz`), which is written with its input's header.
struct DenoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "denoise", abstract: "Denoise a PNG or JPEG image, or a NIfTI volume, with trained weights.",
        discussion: """
        A volume (.nii, .nii.gz) is denoised by a model trained on volumes (3-D): its intensities are mapped to [0, 1] as the \
        volume training maps them (divided by the largest value; shifted first so the smallest is 0 when there are negative \
        values), denoised in cubic tiles, mapped back, and written with the input's header (dimensions, voxel sizes, qform and \
        sform, data type, scl_slope/scl_inter); integer types are rounded and clipped to their range.
        """)

    @Option(name: .customLong("run"), help: "A folder written by wconv train: its model, density and settings (options given override them).")
    var runDirectory: String?
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var trained: TrainedModelOptions
    @OptionGroup var compute: ThreadOptions
    @Option(help: "Image (PNG or JPEG) or volume (.nii, .nii.gz) to denoise.") var input: String
    @Option(name: [.customLong("output-image"), .customLong("output")],
            help: "Where to write the denoised image (PNG) or volume (.nii or .nii.gz, for a volume input).")
    var outputImage: String
    @Flag(help: "Add Gaussian noise of --sigma first (to try the model on a clean image or volume); also prints PSNR.") var addNoise = false
    @Option(parsing: .unconditional, help: "Seed of the added noise.") var seed: UInt64 = 1

    /// Whether `path` names a NIfTI volume (by its extension).
    static func isVolume(_ path: String) -> Bool { NIfTI.hasExtension(path.lowercased()) }

    /// Checks every option before any work starts.
    func validate() throws {
        // With a run, its task is checked first (in run, before any work): a volume given to an
        // image run is refused by what the run was trained as, not by the image options given.
        if runDirectory == nil || !Self.isVolume(input) { _ = try experiment.resolve(task: Self.isVolume(input) ? .volume : .denoising) }
        try DistinctFiles.check(inputs: [input, trained.weights].compactMap { $0 }, outputs: [outputImage])
        if Self.isVolume(input) && !Self.isVolume(outputImage) {
            throw ValidationError("--input \(input) is a volume: --output-image must end in .nii or .nii.gz, got \(outputImage)")
        }
        if !Self.isVolume(input) && Self.isVolume(outputImage) {
            throw ValidationError("--input \(input) is an image: --output-image is written as a PNG, not a NIfTI volume (\(outputImage))")
        }
    }

    func run() throws {
        try compute.apply()
        let run = try runDirectory.map { try TrainedRun(folder: $0) }
        if Self.isVolume(input) { return try denoiseVolume(run: run) }
        if let run, run.configuration.experiment.task != .denoising {
            throw CommandFailure("\(run.folder) was trained as \(run.summary), not for denoising images"
                + (run.configuration.experiment.task == .volume ? ": give it a .nii or .nii.gz volume" : ""))
        }
        let (e, _) = try experiment.resolve(task: .denoising, run: run?.configuration.experiment)
        let weights = try trained.trainedWeights(run: run)
        try Self.require(spatialRank: 2, of: weights, for: input)
        var image = try Image.read(input).colour(grey: e.grey)
        let clean = image
        if addNoise {
            var generator = SeededGenerator(seed: seed)
            image.pixels = image.pixels.map { $0 + e.sigma / 255 * generator.nextNormal() }
        }
        let model = try trained.load(e, weights: weights, run: run, seed: seed, channels: image.channels, size: e.patchSize, classes: 0)
        let restored = try e.denoiser(model: model).denoise(image)
        try restored.writePNG(to: outputImage)
        if addNoise {
            print(String(format: "PSNR: noisy %.2f dB → denoised %.2f dB", Metric.psnr(image.pixels.map { min(max($0, 0), 1) }, clean.pixels),
                         Metric.psnr(restored.pixels, clean.pixels)))
        }
        print("written \(outputImage)")
    }

    /// Denoises the NIfTI volume `input` and writes it, with its header, to `outputImage`.
    func denoiseVolume(run: TrainedRun?) throws {
        if let run, run.configuration.experiment.task != .volume {
            throw CommandFailure("\(run.folder) was trained as \(run.summary), not on volumes (3-D): \(input) is a NIfTI volume")
        }
        let (e, _) = try experiment.resolve(task: .volume, run: run?.configuration.experiment)
        let weights = try trained.trainedWeights(run: run)
        try Self.require(spatialRank: 3, of: weights, for: input)
        let volume = try NIfTI.readVolume(input)
        let model = try trained.load(e, weights: weights, run: run, seed: seed, channels: 1, size: e.patchSize, classes: 0)
        var reported = 0
        let result = try e.denoiser(model: model).denoise(volume, source: input, addingNoise: addNoise ? (e.sigma, seed) : nil) { done, total in
            guard done * 10 / total > reported || done == total else { return }
            reported = done * 10 / total
            FileHandle.standardError.write(Data("denoise: \(done)/\(total) tiles\n".utf8))
        }
        try NIfTI.write(result.volume.voxels, header: result.volume.header, to: outputImage)
        if let psnr = result.psnr {
            print(String(format: "PSNR: noisy %.2f dB → denoised %.2f dB", psnr.noisy, psnr.denoised))
        }
        print("written \(outputImage)")
    }

    /// Checks that the convolutions of a weights file have `spatialRank` spatial axes.
    /// - Throws: ``CommandFailure`` naming the file, what it was trained on and what `input` is.
    static func require(spatialRank: Int, of file: TrainedWeights, for input: String) throws {
        guard let rank = Checkpoint.spatialRank(of: file.file), rank != spatialRank else { return }
        func signal(_ rank: Int) -> String { [1: "series (1-D)", 2: "images (2-D)", 3: "volumes (3-D)"][rank] ?? "\(rank)-D signals" }
        throw CommandFailure("\(file.path) holds a model for \(signal(rank)); \(input) needs one for \(signal(spatialRank))")
    }
}
