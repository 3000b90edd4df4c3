import ArgumentParser
import Training
import WeightedConvolution

/// The options shared by `train`, `compare`, `tune`, `eval` and `denoise`: what to train on, and how.
/// `eval` and `denoise` start from a trained run's experiment, and a given option overrides it.
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
    @Option(parsing: .unconditional, help: OptionRanges.labelSmoothing.help("Label smoothing (classification; default 0)"), transform: OptionRanges.labelSmoothing.parse)
    var labelSmoothing: Float?
    @Option(parsing: .unconditional, help: OptionRanges.sigma.help("Noise σ on the 0–255 scale (denoising; default 25)"), transform: OptionRanges.sigma.parse)
    var sigma: Float?
    @Option(parsing: .unconditional, help: OptionRanges.patchSize.help("Patch side (denoising; default 32)"), transform: OptionRanges.patchSize.parse)
    var patchSize: Int?
    @Option(parsing: .unconditional, help: OptionRanges.patchesPerEpoch.help("Training patches per epoch (denoising; default 1024)"), transform: OptionRanges.patchesPerEpoch.parse)
    var patchesPerEpoch: Int?
    @Option(parsing: .unconditional, help: OptionRanges.evalPatches.help("Fixed validation patches (denoising; default 256)"), transform: OptionRanges.evalPatches.parse)
    var evalPatches: Int?
    @Flag(help: "RGB instead of grey images (denoising).") var rgb = false
    @Option(parsing: .unconditional, help: OptionRanges.downscale.help("Integer downscale of the photographs (denoising; default 4)"), transform: OptionRanges.downscale.parse)
    var downscale: Int?
    @Option(help: "mse, l1 or psnr (denoising; default mse).") var loss: String?
    @Option(parsing: .unconditional, help: OptionRanges.depth.help("DnCNN depth (default 8 for denoising runs)"), transform: OptionRanges.depth.parse)
    var depth: Int?
    @Option(parsing: .unconditional, help: OptionRanges.width.help("DnCNN width (default 32 for denoising runs)"), transform: OptionRanges.width.parse)
    var width: Int?
    @Option(help: "DnCNN last layer: zero (starts as the identity; default) or kaiming (the reference's fan-out init, which can end below the noisy input).")
    var lastLayerInit: String?
    @Option(parsing: .unconditional, help: OptionRanges.nafWidth.help("NAFNet base width (default 16)"), transform: OptionRanges.nafWidth.parse)
    var nafWidth: Int?
    @Option(parsing: .unconditional, help: OptionRanges.nafBlocks.help("NAFNet blocks per level (default 1)"), transform: OptionRanges.nafBlocks.parse)
    var nafBlocks: Int?
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
    @Option(parsing: .unconditional,
            help: OptionRanges.preciseBatchNorm.help("Before every score, recompute each batch norm's running mean and variance with the final weights over this many training batches (0: off; default 32 for tune, 0 otherwise)"),
            transform: OptionRanges.preciseBatchNorm.parse)
    var preciseBn: Int?
    @Option(help: ArgumentHelp("Convolution algorithm (default auto): \(ConvolutionMethod.summaries(ConvolutionMethod.reproducible))."))
    var method: ConvolutionMethod?

    /// The experiment and settings for `task` (default: ``task``, the run's task, or
    /// classification): where an option is not given, the value of `run` (the experiment of a
    /// trained run), else the task's default. A flag (`--rgb`, `--augment`,
    /// `--trainable-density`) given or set in `run` is set. The batch-norm statistics are
    /// recomputed over `preciseBatchNorm` batches unless `--precise-bn` is given.
    func resolve(task requested: String? = nil, run: Experiment? = nil, preciseBatchNorm: Int = 0) throws -> (Experiment, TrainingSettings) {
        var e = Experiment()
        let task = requested ?? self.task ?? run?.task ?? "classification"
        guard ["classification", "denoising"].contains(task) else {
            throw CommandFailure("--task must be classification or denoising, got \(task)")
        }
        let denoising = task == "denoising"
        e.task = task
        let run = run?.task == task ? run : nil
        e.model = model ?? run?.model ?? (denoising ? "dncnn" : "vgg-small")
        e.dataset = dataset ?? run?.dataset ?? (denoising ? "photos" : "fashion-mnist")
        e.dataDirectory = dataDir ?? (dataset == nil ? run?.dataDirectory : nil)
        e.validationDirectory = validationDir ?? (dataset == nil ? run?.validationDirectory : nil)
        e.den = den?.values ?? run?.den ?? (denoising ? [0.5, 0.8] : [0.25, 0.15, 0.55])
        e.kernelSize = kernelSize ?? (den == nil ? run?.kernelSize : nil) ?? 2 * e.den.count + 1
        e.trainableDensity = trainableDensity || run?.trainableDensity == true
        e.batchSize = batchSize ?? run?.batchSize ?? (denoising ? 16 : 64)
        e.trainingSubset = trainSubset ?? run?.trainingSubset ?? (denoising ? 0 : 12_000)
        e.evaluationSubset = testSubset ?? run?.evaluationSubset ?? (denoising ? 0 : 2_000)
        e.augment = augment || run?.augment == true
        e.labelSmoothing = labelSmoothing ?? run?.labelSmoothing ?? 0
        e.sigma = sigma ?? run?.sigma ?? 25
        e.patchSize = patchSize ?? run?.patchSize ?? 32
        e.patchesPerEpoch = patchesPerEpoch ?? run?.patchesPerEpoch ?? 1024
        e.evaluationPatches = evalPatches ?? run?.evaluationPatches ?? 256
        e.grey = !rgb && run?.grey != false
        e.downscale = downscale ?? run?.downscale ?? 4
        e.loss = loss ?? run?.loss ?? "mse"
        e.depth = depth ?? run?.depth ?? (denoising ? 8 : 17)
        e.width = width ?? run?.width ?? (denoising ? 32 : 64)
        guard ["zero", "kaiming", nil].contains(lastLayerInit) else {
            throw CommandFailure("--last-layer-init must be zero or kaiming, got \(lastLayerInit ?? "")")
        }
        e.zeroLastLayer = lastLayerInit.map { $0 == "zero" } ?? run?.zeroLastLayer ?? true
        e.nafWidth = nafWidth ?? run?.nafWidth ?? 16
        e.nafBlocks = nafBlocks ?? run?.nafBlocks ?? 1
        let method = method ?? run?.convolutionMethod ?? .auto
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
        s.preciseBatchNorm = precise == 0 ? nil : precise
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
