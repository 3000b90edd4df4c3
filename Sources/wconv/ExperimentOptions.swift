import ArgumentParser
import Training
import WeightedConvolution

/// The options shared by `train`, `compare` and `eval`: what to train on, and how.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "classification or denoising (compare: both when not given).") var task: String?
    @Option(help: "vgg-small, vgg11, vgg16, resnet20, resnet18 | dncnn, nafnet.") var model: String?
    @Option(help: "fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse | photos, folder.") var dataset: String?
    @Option(help: "Folder of the dataset's files (defaults: the Debian packages' folders).") var dataDir: String?
    @Option(help: "Folder of validation images (denoising from a folder).") var validationDir: String?
    @Option(parsing: .unconditional, help: "Side of the main square kernels (default: 2n+1 for a density of n values).") var kernelSize: Int?
    @Option(parsing: .unconditional, help: "Density of the weighted arm, outermost first (kernel size 2n+1; default 0.25,0.15,0.55 for classification, 0.5,0.8 for denoising).") var den: FloatList?
    @Flag(help: "Train the density (its own learning rate and schedule).") var trainableDensity = false
    @Option(parsing: .unconditional, help: "Batch size (default: 64 for classification, 16 for denoising).") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Use only this many training images (0: all; default: 12000 for classification, all for denoising).") var trainSubset: Int?
    @Option(parsing: .unconditional, help: "Use only this many evaluation images (0: all; default: 2000 for classification, all for denoising).") var testSubset: Int?
    @Flag(help: "Random crops and flips (classification).") var augment = false
    @Option(parsing: .unconditional, help: "Label smoothing (classification).") var labelSmoothing: Float = 0
    @Option(parsing: .unconditional, help: "Noise σ on the 0–255 scale (denoising).") var sigma: Float = 25
    @Option(parsing: .unconditional, help: "Patch side (denoising; default 32).") var patchSize: Int?
    @Option(parsing: .unconditional, help: "Training patches per epoch (denoising; default 1024).") var patchesPerEpoch: Int?
    @Option(parsing: .unconditional, help: "Fixed validation patches (denoising; default 256).") var evalPatches: Int?
    @Flag(help: "RGB instead of grey images (denoising).") var rgb = false
    @Option(parsing: .unconditional, help: "Integer downscale of the photographs (denoising).") var downscale = 4
    @Option(help: "mse, l1 or psnr (denoising).") var loss = "mse"
    @Option(parsing: .unconditional, help: "DnCNN depth (default 8 for denoising runs).") var depth: Int?
    @Option(parsing: .unconditional, help: "DnCNN width (default 32 for denoising runs).") var width: Int?
    @Option(help: "DnCNN last layer: zero (starts as the identity) or kaiming (the reference's fan-out init, which can end below the noisy input).")
    var lastLayerInit = "zero"
    @Option(parsing: .unconditional, help: "NAFNet base width.") var nafWidth = 16
    @Option(parsing: .unconditional, help: "NAFNet blocks per level.") var nafBlocks = 1
    @Option(parsing: .unconditional, help: "Epochs (default: 4 for classification, 6 for denoising).") var epochs: Int?
    @Option(help: "sgd, adam or adamw (default adamw).") var optimizer: String?
    @Option(parsing: .unconditional, help: "Learning rate of the weights (default 0.001).") var lr: Float?
    @Option(parsing: .unconditional, help: "Weight decay (default 0.0001).") var weightDecay: Float?
    @Option(parsing: .unconditional, help: "Learning rate of the density.") var densityLr: Float = 1e-2
    @Option(help: "constant, cosine, step:S:G, restarts:T0:M, warmup:E:<schedule>.") var schedule = "cosine"
    @Option(help: "Schedule of the density's learning rate.") var densitySchedule = "cosine"
    @Option(parsing: .unconditional, help: "Before every score, recompute each batch norm's running mean and variance with the final weights over this many training batches (0: off; default 32 for tune, 0 otherwise).")
    var preciseBn: Int?
    @Option(help: "Convolution algorithm: auto, direct, fft, overlap (FFT by blocks; unit-stride layers, the others run auto) or winograd (3×3 layers; the others run direct).")
    var method = ConvolutionMethod.auto

    /// The experiment and settings for `task` (default: ``task`` or classification), with
    /// task-specific defaults where an option is not given, and `preciseBatchNorm` batches of
    /// recomputed batch-norm statistics unless `--precise-bn` is given.
    func resolve(task requested: String? = nil, preciseBatchNorm: Int = 0) throws -> (Experiment, TrainingSettings) {
        var e = Experiment()
        let task = requested ?? self.task ?? "classification"
        guard ["classification", "denoising"].contains(task) else {
            throw CommandFailure("--task must be classification or denoising, got \(task)")
        }
        let denoising = task == "denoising"
        e.task = task
        e.model = model ?? (denoising ? "dncnn" : "vgg-small")
        e.dataset = dataset ?? (denoising ? "photos" : "fashion-mnist")
        e.dataDirectory = dataDir
        e.validationDirectory = validationDir
        e.den = den?.values ?? (denoising ? [0.5, 0.8] : [0.25, 0.15, 0.55])
        e.kernelSize = kernelSize ?? 2 * e.den.count + 1
        e.trainableDensity = trainableDensity
        e.batchSize = batchSize ?? (denoising ? 16 : 64)
        e.trainingSubset = trainSubset ?? (denoising ? 0 : 12_000)
        e.evaluationSubset = testSubset ?? (denoising ? 0 : 2_000)
        e.augment = augment
        e.labelSmoothing = labelSmoothing
        e.sigma = sigma
        e.patchSize = patchSize ?? 32
        e.patchesPerEpoch = patchesPerEpoch ?? 1024
        e.evaluationPatches = evalPatches ?? 256
        e.grey = !rgb
        e.downscale = downscale
        e.loss = loss
        e.depth = depth ?? (denoising ? 8 : 17)
        e.width = width ?? (denoising ? 32 : 64)
        guard ["zero", "kaiming"].contains(lastLayerInit) else {
            throw CommandFailure("--last-layer-init must be zero or kaiming, got \(lastLayerInit)")
        }
        e.zeroLastLayer = lastLayerInit == "zero"
        e.nafWidth = nafWidth
        e.nafBlocks = nafBlocks
        e.convolutionMethod = method == .auto ? nil : method
        try e.validate()
        var s = TrainingSettings()
        s.epochs = epochs ?? (denoising ? 6 : 4)
        s.optimizer = optimizer ?? "adamw"
        s.learningRate = lr ?? 1e-3
        s.weightDecay = weightDecay ?? 1e-4
        s.densityLearningRate = densityLr
        s.schedule = schedule
        s.densitySchedule = densitySchedule
        let precise = preciseBn ?? preciseBatchNorm
        guard (0...100_000).contains(precise) else { throw CommandFailure("--precise-bn must be in 0…100000 (0: off), got \(precise)") }
        s.preciseBatchNorm = precise == 0 ? nil : precise
        try s.validate()
        _ = try s.parseSchedule(s.schedule)
        _ = try s.parseSchedule(s.densitySchedule)
        return (e, s)
    }
}
