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
    @Option(parsing: .unconditional, help: OptionRanges.kernelSize.help("Side of the main square kernels (default: 2n+1 for a density of n values)"), transform: OptionRanges.kernelSize.parse)
    var kernelSize: Int?
    @Option(parsing: .unconditional,
            help: OptionRanges.densityValue.help("Density of the weighted arm, outermost first (kernel size 2n+1; default 0.25,0.15,0.55 for classification, 0.5,0.8 for denoising); values"),
            transform: { try FloatList.densities($0, option: "--den") })
    var den: FloatList?
    @Flag(help: "Train the density (its own learning rate and schedule).") var trainableDensity = false
    @Option(parsing: .unconditional, help: OptionRanges.batchSize.help("Batch size (default: 64 for classification, 16 for denoising)"), transform: OptionRanges.batchSize.parse)
    var batchSize: Int?
    @Option(parsing: .unconditional, help: OptionRanges.trainSubset.help("Use only this many training images (0: all; default: 12000 for classification, all for denoising)"), transform: OptionRanges.trainSubset.parse)
    var trainSubset: Int?
    @Option(parsing: .unconditional, help: OptionRanges.testSubset.help("Use only this many evaluation images (0: all; default: 2000 for classification, all for denoising)"), transform: OptionRanges.testSubset.parse)
    var testSubset: Int?
    @Flag(help: "Random crops and flips (classification).") var augment = false
    @Option(parsing: .unconditional, help: OptionRanges.labelSmoothing.help("Label smoothing (classification)"), transform: OptionRanges.labelSmoothing.parse)
    var labelSmoothing: Float = 0
    @Option(parsing: .unconditional, help: OptionRanges.sigma.help("Noise σ on the 0–255 scale (denoising)"), transform: OptionRanges.sigma.parse)
    var sigma: Float = 25
    @Option(parsing: .unconditional, help: OptionRanges.patchSize.help("Patch side (denoising; default 32)"), transform: OptionRanges.patchSize.parse)
    var patchSize: Int?
    @Option(parsing: .unconditional, help: OptionRanges.patchesPerEpoch.help("Training patches per epoch (denoising; default 1024)"), transform: OptionRanges.patchesPerEpoch.parse)
    var patchesPerEpoch: Int?
    @Option(parsing: .unconditional, help: OptionRanges.evalPatches.help("Fixed validation patches (denoising; default 256)"), transform: OptionRanges.evalPatches.parse)
    var evalPatches: Int?
    @Flag(help: "RGB instead of grey images (denoising).") var rgb = false
    @Option(parsing: .unconditional, help: OptionRanges.downscale.help("Integer downscale of the photographs (denoising)"), transform: OptionRanges.downscale.parse)
    var downscale = 4
    @Option(help: "mse, l1 or psnr (denoising).") var loss = "mse"
    @Option(parsing: .unconditional, help: OptionRanges.depth.help("DnCNN depth (default 8 for denoising runs)"), transform: OptionRanges.depth.parse)
    var depth: Int?
    @Option(parsing: .unconditional, help: OptionRanges.width.help("DnCNN width (default 32 for denoising runs)"), transform: OptionRanges.width.parse)
    var width: Int?
    @Option(help: "DnCNN last layer: zero (starts as the identity) or kaiming (the reference's fan-out init, which can end below the noisy input).")
    var lastLayerInit = "zero"
    @Option(parsing: .unconditional, help: OptionRanges.nafWidth.help("NAFNet base width"), transform: OptionRanges.nafWidth.parse)
    var nafWidth = 16
    @Option(parsing: .unconditional, help: OptionRanges.nafBlocks.help("NAFNet blocks per level"), transform: OptionRanges.nafBlocks.parse)
    var nafBlocks = 1
    @Option(parsing: .unconditional, help: OptionRanges.epochs.help("Epochs (default: 4 for classification, 6 for denoising)"), transform: OptionRanges.epochs.parse)
    var epochs: Int?
    @Option(help: "sgd, adam or adamw (default adamw).") var optimizer: String?
    @Option(parsing: .unconditional, help: OptionRanges.learningRate.help("Learning rate of the weights (default 0.001)"), transform: OptionRanges.learningRate.parse)
    var lr: Float?
    @Option(parsing: .unconditional, help: OptionRanges.weightDecay.help("Weight decay (default 0.0001)"), transform: OptionRanges.weightDecay.parse)
    var weightDecay: Float?
    @Option(parsing: .unconditional, help: OptionRanges.densityLearningRate.help("Learning rate of the density"), transform: OptionRanges.densityLearningRate.parse)
    var densityLr: Float = 1e-2
    @Option(help: "Schedule of the weights' learning rate: \(TrainingSettings.scheduleForms).", transform: { try Self.schedule($0, option: "--schedule") })
    var schedule = "cosine"
    @Option(help: "Schedule of the density's learning rate (the forms of --schedule).", transform: { try Self.schedule($0, option: "--density-schedule") })
    var densitySchedule = "cosine"
    @Option(help: "Convolution algorithm: auto, direct, fft, overlap (FFT by blocks; unit-stride layers, the others run auto) or winograd (3×3 layers; the others run direct).")
    var method = ConvolutionMethod.auto

    /// The experiment and settings for `task` (default: ``task`` or classification), with
    /// task-specific defaults where an option is not given.
    func resolve(task requested: String? = nil) throws -> (Experiment, TrainingSettings) {
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
        try s.validate()
        return (e, s)
    }

    /// `text` when it is a schedule description (checked while parsing, before any work).
    /// - Throws: `ValidationError` naming `option` and listing the accepted forms.
    @Sendable static func schedule(_ text: String, option: String) throws -> String {
        do { _ = try TrainingSettings().parseSchedule(text) } catch { throw ValidationError("\(option): \(error)") }
        return text
    }
}
