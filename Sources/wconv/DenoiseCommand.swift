import ArgumentParser
import Datasets
import GridCore
import NeuralNetwork
import Training

/// `wconv denoise`: applies a trained denoiser to an image file.
struct DenoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "denoise", abstract: "Denoise a PNG or JPEG with trained weights.")

    @Option(name: .customLong("run"), help: "A folder written by wconv train: its model, density and settings (options given override them).")
    var runDirectory: String?
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var trained: TrainedModelOptions
    @OptionGroup var compute: ThreadOptions
    @Option(help: "Image to denoise (PNG or JPEG).") var input: String
    @Option(help: "Where to write the denoised PNG.") var outputImage: String
    @Flag(help: "Add Gaussian noise of --sigma first (to try the model on a clean image); also prints PSNR.") var addNoise = false
    @Option(parsing: .unconditional, help: "Seed of the added noise.") var seed: UInt64 = 1

    /// Checks every option before any work starts.
    func validate() throws {
        try trained.checkConvolution(of: try experiment.resolve(task: .denoising).0)
        try DistinctFiles.check(inputs: [input, trained.weights].compactMap { $0 }, outputs: [outputImage])
    }

    func run() throws {
        try compute.apply()
        let run = try runDirectory.map { try TrainedRun(directory: $0) }
        if let run, run.configuration.experiment.task != .denoising {
            throw CommandFailure("\(run.directory) was trained as \(run.summary), not for denoising")
        }
        let (e, _) = try experiment.resolve(task: .denoising, run: run?.configuration.experiment)
        var image = try Image.read(input).colour(grey: e.grey)
        let clean = image
        if addNoise {
            var generator = SeededGenerator(seed: seed)
            image.pixels = image.pixels.map { $0 + e.sigma / 255 * generator.nextNormal() }
        }
        let model = try trained.load(e, file: try trained.file(run: run), run: run, seed: seed, channels: image.channels,
                                     size: e.patchSize, classes: 0)
        let restored = try e.denoiser(model: model).denoise(image)
        try restored.writePNG(to: outputImage)
        if addNoise {
            print(String(format: "PSNR: noisy %.2f dB → denoised %.2f dB", Metric.psnr(image.pixels.map { min(max($0, 0), 1) }, clean.pixels),
                         Metric.psnr(restored.pixels, clean.pixels)))
        }
        print("written \(outputImage)")
    }
}
