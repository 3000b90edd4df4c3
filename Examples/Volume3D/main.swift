// Weighted vs standard 3-D convolution for denoising a real MRI volume: the Colin27 (ch2)
// brain template from Debian's `mricron-data`. A thin caller of the library: the NIfTI reader
// and the 3-D patch sampler (`NIfTI`, `VolumePatches`), a 3-D DnCNN whose last layer starts at
// zero (the network starts as the identity, at the noisy input's PSNR), and the trainer. The
// volume is halved (2×2×2 means), scaled to [0, 1] and cut along y into a training region and a
// validation region; random noisy cubes of the first train, fixed ones of the second validate.
// The noisy input's PSNR (clipped to [0, 1], as the models') is printed beside both arms.
//
//   apt-get install mricron-data && swift run -c release volume3d [VOLUME] [--epochs 30] [--seeds 1,2]
import ArgumentParser
import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import Training

/// The command line of the example.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "volume3d", abstract: "Weighted vs standard 3-D convolution denoising an MRI volume, several seeds.")
    @Argument(help: "A NIfTI-1 volume (.nii or .nii.gz).") var volume = "/usr/share/mricron/templates/ch2.nii.gz"
    @Option(parsing: .unconditional, help: "Epochs per run (1 or more).") var epochs = 30
    @Option(parsing: .unconditional, help: "Seeds, comma-separated non-negative integers; each gives one run per arm.") var seeds = "1,2"
    @Option(parsing: .unconditional, help: "DnCNN layers (2 or more).") var depth = 3
    @Option(parsing: .unconditional, help: "DnCNN hidden channels (1 or more).") var width = 8

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard depth >= 2 else { throw ValidationError("--depth must be at least 2, got \(depth)") }
        guard width >= 1 else { throw ValidationError("--width must be at least 1, got \(width)") }
        _ = try TrainingSettings.seeds(from: seeds)
    }
}

HeapReuse.enable()
let options = Options.parseOrExit()
let seeds = try TrainingSettings.seeds(from: options.seeds)
let (patch, sigma, batchSize, patchesPerEpoch, validationPatches) = (24, Float(25), 4, 96, 16)

/// Training on random cubes of one region, validation on fixed cubes of another.
struct VolumeDenoising: TrainingTask {
    let training: VolumePatches
    let evaluation: [Batch]
    let seed: UInt64
    var metricName: String { "PSNR (dB)" }
    var baseline: (name: String, value: Double)? {
        let total = evaluation.reduce(0.0) { $0 + DenoisingTask.clippedPSNRSum($1.input, $1) }
        return (DenoisingTask.noisyInputName, total / Double(evaluation.reduce(0) { $0 + $1.count }))
    }
    func trainingBatchCount(epoch: Int) -> Int { (patchesPerEpoch + batchSize - 1) / batchSize }
    func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch {
        let (data, seed) = (training, seed)
        return { data.trainingBatch($0, size: batchSize, count: patchesPerEpoch, seed: seed, epoch: epoch) }
    }
    func evaluationBatches() -> [Batch] { evaluation }
    func loss(_ output: Variable, _ batch: Batch) throws -> Variable {
        try Loss.meanSquaredError(output, target: Tensor(shape: batch.shape, scalars: batch.target))
    }
    func metricSum(_ output: Tensor, _ batch: Batch) -> Double { DenoisingTask.clippedPSNRSum(output.scalars, batch) }
}

do {
    let raw = try NIfTI.read(options.volume)
    let volume = VolumePatches.unitScaled(VolumePatches.downscaled(raw, by: 2))
    let (trainingRegion, validationRegion) = try VolumePatches.split(volume, axis: 1, validationFraction: 0.25)
    let training = try VolumePatches(volumes: [trainingRegion], patchSize: patch, sigma: sigma)
    let validation = try VolumePatches(volumes: [validationRegion], patchSize: patch, sigma: sigma)
    print("\(options.volume): \(raw.dims) → \(volume.dims) after 2× downsampling, training \(trainingRegion.dims), validation \(validationRegion.dims); σ = \(sigma) on the 0–255 scale")
    var settings = TrainingSettings()
    settings.epochs = options.epochs
    var finals: [String: [Double]] = [:]
    var baseline = 0.0
    for seed in seeds {
        settings.seed = seed
        let task = VolumeDenoising(training: training, evaluation: validation.validationBatches(size: batchSize, count: validationPatches, seed: 424_242), seed: seed)
        baseline = task.baseline?.value ?? .nan
        for kind in [ConvolutionKind.standard, .weighted(den: [0.5, 0.8], trainable: false)] {
            let model = DnCNN(channels: 1, depth: options.depth, width: options.width, kernelSize: 5, spatialRank: 3, zeroLastLayer: true,
                              factory: ConvolutionFactory(kind: kind, seed: seed))
            let result = try Trainer(settings: settings, directory: nil, label: "\(kind.name) s\(seed)").run(model: model, task: task)
            finals[kind.name, default: []].append(result.finalMetric)
        }
    }
    print("\nvalidation PSNR after \(options.epochs) epochs, seeds \(seeds.map(String.init).joined(separator: ",")) (mean ± std):")
    for arm in ["standard", "weighted"] {
        let (m, s) = meanAndSpread(finals[arm]!)
        print(String(format: "  %-9@ %6.2f ± %.2f dB", arm, m, s))
    }
    let (dm, ds) = meanAndSpread(zip(finals["weighted"]!, finals["standard"]!).map { $0 - $1 })
    print(String(format: "  weighted − standard %+.2f ± %.2f dB; %@ %.2f dB", dm, ds, DenoisingTask.noisyInputName, baseline))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n(apt-get install mricron-data, or give a .nii/.nii.gz path)\n".utf8))
    exit(1)
}
