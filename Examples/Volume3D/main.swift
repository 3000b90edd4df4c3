// Weighted vs standard 3-D convolution for denoising a real MRI volume: the Colin27 (ch2)
// brain template from Debian's `mricron-data`. A small residual 3-D denoiser learns from random
// noisy 24³ patches; the noisy input's PSNR (clipped to [0, 1], as the models') is printed beside both arms.
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

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        _ = try TrainingSettings.seeds(from: seeds)
    }
}

HeapReuse.enable()
let options = Options.parseOrExit()
let (epochs, path) = (options.epochs, options.volume)
let seeds = try TrainingSettings.seeds(from: options.seeds)
let (patch, sigma): (Int, Float) = (24, 25)

/// Noisy/clean 3-D patches of one volume: random ones for training, fixed ones for evaluation.
struct VolumeDenoising: TrainingTask {
    let volume: Grid<3>
    let seed: UInt64
    let batchSize = 4, patchesPerEpoch = 96
    var metricName: String { "PSNR (dB)" }
    var baseline: (name: String, value: Double)? {
        let batches = evaluationBatches()
        let total = batches.reduce(0.0) { $0 + DenoisingTask.clippedPSNRSum($1.input, $1) }
        return (DenoisingTask.noisyInputName, total / Double(batches.reduce(0) { $0 + $1.count }))
    }

    func patches(_ count: Int, _ generator: inout SeededGenerator) -> Batch {
        var clean: [Float] = [], noisy: [Float] = []
        for _ in 0..<count {
            let start = (0..<3).map { Int.random(in: 0...(volume.dims[$0] - patch), using: &generator) }
            // A random crop of the volume (crops of valid windows cannot fail).
            let cube = (try? volume.cropped(start: [start[0], start[1], start[2]], size: [patch, patch, patch]))?.scalars ?? []
            clean += cube
            noisy += cube.map { $0 + sigma / 255 * generator.nextNormal() }
        }
        return Batch(shape: [count, 1, patch, patch, patch], input: noisy, target: clean)
    }

    func trainingBatchCount(epoch: Int) -> Int { patchesPerEpoch / batchSize }
    func trainingBatches(epoch: Int) -> @Sendable (Int) -> Batch {
        let task = self
        return { index in
            var generator = SeededGenerator(seed: task.seed &* 1_000_003 &+ UInt64(epoch * 10_000 + index))
            return task.patches(task.batchSize, &generator)
        }
    }
    func evaluationBatches() -> [Batch] {
        var generator = SeededGenerator(seed: 424_242)
        return (0..<4).map { _ in patches(batchSize, &generator) }
    }
    func loss(_ output: Variable, _ batch: Batch) throws -> Variable {
        try Loss.meanSquaredError(output, target: Tensor(shape: batch.shape, scalars: batch.target))
    }
    func metricSum(_ output: Tensor, _ batch: Batch) -> Double { DenoisingTask.clippedPSNRSum(output.scalars, batch) }
}

/// `x − f(x)`: three 5×5×5 convolutions predict the noise (DnCNN's residual learning in 3-D).
final class VolumeDenoiser: Module {
    let body: Sequential
    var isTraining = true
    init(kind: ConvolutionKind, seed: UInt64) {
        let factory = ConvolutionFactory(kind: kind, seed: seed)
        body = Sequential([
            factory.make(1, 8, size: 5, spatialRank: 3), Function.relu,
            factory.make(8, 8, size: 5, spatialRank: 3, bias: false), BatchNorm(channels: 8), Function.relu,
            factory.make(8, 1, size: 5, spatialRank: 3, bias: false),
        ])
    }
    var children: [(name: String, module: any Module)] { [("body", body)] }
    func forward(_ x: Variable) throws -> Variable { try subtract(x, try body(x)) }
}

do {
    let raw = try NIfTI.read(path)
    let peak = raw.max() ?? 1
    // Halve the resolution (2×2×2 means) and scale to [0, 1].
    let d = raw.dims.map { $0 / 2 }
    var volume = Grid<3>(shape: [d[0], d[1], d[2]])
    for x in 0..<d[0] { for y in 0..<d[1] { for z in 0..<d[2] {
        var sum: Float = 0
        for i in 0..<8 { sum += raw[[2 * x + (i >> 2), 2 * y + ((i >> 1) & 1), 2 * z + (i & 1)]] }
        volume[[x, y, z]] = sum / 8 / peak
    } } }
    print("\(path): \(raw.dims) → \(volume.dims) after 2× downsampling; σ = \(sigma) on the 0–255 scale")
    var settings = TrainingSettings()
    settings.epochs = epochs
    var finals: [String: [Double]] = [:]
    var baseline = 0.0
    for seed in seeds {
        settings.seed = seed
        let task = VolumeDenoising(volume: volume, seed: seed)
        baseline = task.baseline?.value ?? .nan
        for kind in [ConvolutionKind.standard, .weighted(den: [0.5, 0.8], trainable: false)] {
            let result = try Trainer(settings: settings, directory: nil, label: "\(kind.name) s\(seed)")
                .run(model: VolumeDenoiser(kind: kind, seed: seed), task: task)
            finals[kind.name, default: []].append(result.finalMetric)
        }
    }
    print("\nvalidation PSNR after \(epochs) epochs, seeds \(seeds.map(String.init).joined(separator: ",")) (mean ± std):")
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
