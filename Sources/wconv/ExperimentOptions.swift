import ArgumentParser
import Datasets
import Training
import WeightedConvolution

/// The options shared by `train`, `compare`, `tune`, `eval` and `denoise`: what to train on, and how.
/// `eval` and `denoise` start from a trained run's experiment, and a given option overrides it.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "classification, denoising, series (1-D classification) or volume (3-D denoising) (compare: classification and denoising when not given).")
    var task: TaskKind?
    @Option(help: "classification: vgg-small, vgg11, vgg16, resnet20, resnet18 | denoising: dncnn, nafnet | series: series-small, fcn, series-resnet | volume: dncnn (3-D).")
    var model: ModelKind?
    @Option(help: "classification: fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse, folder (one sub-folder per class) | denoising: photos, folder | series: ucr | volume: nifti.")
    var dataset: DatasetKind?
    @Option(help: "Folder of the dataset's files (defaults: the Debian packages' folders; series: data/ucr, where scripts/fetch-ucr puts the UCR problems; volume: a folder of .nii/.nii.gz volumes).")
    var dataDir: String?
    @Option(help: "Folder of validation images (folder datasets) or volumes (volume).") var validationDir: String?
    @Option(help: "Series: the UCR problem, read from NAME_TRAIN.ts and NAME_TEST.ts (or .tsv) in --data-dir (default GunPoint).")
    var problem: String?
    @Option(help: "Series: the training file (.ts, .tsv or .csv; with --test-data). Volume: one .nii/.nii.gz volume, its last quarter along y for validation (default /usr/share/mricron/templates/ch2.nii.gz).")
    var data: String?
    @Option(help: "Series: the test file beside --data.") var testData: String?
    @Flag(inversion: .prefixedNo, help: "Series: z-normalise each series, per dimension (the UCR convention; default on).")
    var zNormalise: Bool?
    @Option(parsing: .unconditional, help: OptionRanges.imageSize.help("Classification from a folder: side of the square images (default 32)"),
            transform: OptionRanges.imageSize.parse)
    var imageSize: Int?
    @Option(help: "Classification from a folder: centre-crop (scale the shorter side, cut the centre; default) or resize (stretch).")
    var imageFit: ImageFit?
    @Option(parsing: .unconditional, help: OptionRanges.kernelSize.help("Side of the main square kernels (default: 2n+1 for a density of n values)"), transform: OptionRanges.kernelSize.parse)
    var kernelSize: Int?
    @Option(parsing: .unconditional,
            help: OptionRanges.densityValue.help("Density of the weighted arm, outermost first (kernel size 2n+1; default 0.25,0.15,0.55 for classification and series, 0.5,0.8 for denoising and volume); values"),
            transform: { try FloatList.densities($0, option: "--den") })
    var den: FloatList?
    @Flag(help: "Train the density (its own learning rate and schedule).") var trainableDensity = false
    @Option(parsing: .unconditional, help: OptionRanges.batchSize.help("Batch size (default: 64 for classification, 16 for denoising and series, 4 for volume)"), transform: OptionRanges.batchSize.parse)
    var batchSize: Int?
    @Option(parsing: .unconditional, help: OptionRanges.trainSubset.help("Use only this many training samples (0: all; default: 12000 for classification, all otherwise)"), transform: OptionRanges.trainSubset.parse)
    var trainSubset: Int?
    @Option(parsing: .unconditional, help: OptionRanges.testSubset.help("Use only this many evaluation samples (0: all; default: 2000 for classification, all otherwise)"), transform: OptionRanges.testSubset.parse)
    var testSubset: Int?
    @Flag(help: "Random crops and flips (classification).") var augment = false
    @Option(parsing: .unconditional, help: OptionRanges.labelSmoothing.help("Label smoothing (classification; default 0)"), transform: OptionRanges.labelSmoothing.parse)
    var labelSmoothing: Float?
    @Option(parsing: .unconditional, help: OptionRanges.sigma.help("Noise σ on the 0–255 scale (denoising; default 25)"), transform: OptionRanges.sigma.parse)
    var sigma: Float?
    @Option(parsing: .unconditional, help: OptionRanges.patchSize.help("Patch side (denoising; default 32, volume 24)"), transform: OptionRanges.patchSize.parse)
    var patchSize: Int?
    @Option(parsing: .unconditional, help: OptionRanges.patchesPerEpoch.help("Training patches per epoch (denoising; default 1024, volume 96)"), transform: OptionRanges.patchesPerEpoch.parse)
    var patchesPerEpoch: Int?
    @Option(parsing: .unconditional, help: OptionRanges.evalPatches.help("Fixed validation patches (denoising; default 256, volume 16)"), transform: OptionRanges.evalPatches.parse)
    var evalPatches: Int?
    @Flag(help: "RGB instead of grey images (denoising, classification from a folder).") var rgb = false
    @Option(parsing: .unconditional, help: OptionRanges.downscale.help("Integer downscale of the photographs or volumes (denoising; default 4, volume 2)"), transform: OptionRanges.downscale.parse)
    var downscale: Int?
    @Option(help: "mse, l1 or psnr (denoising; default mse).") var loss: DenoisingTask.LossKind?
    @Option(parsing: .unconditional, help: OptionRanges.depth.help("DnCNN depth (default 8 for denoising, 3 for volume)"), transform: OptionRanges.depth.parse)
    var depth: Int?
    @Option(parsing: .unconditional, help: OptionRanges.width.help("DnCNN width (default 32 for denoising, 8 for volume)"), transform: OptionRanges.width.parse)
    var width: Int?
    @Option(help: "DnCNN last layer: zero (starts as the identity; default) or kaiming (the reference's fan-out init, which can end below the noisy input).")
    var lastLayerInit: LastLayerInit?
    @Option(parsing: .unconditional, help: OptionRanges.nafWidth.help("NAFNet base width (default 16)"), transform: OptionRanges.nafWidth.parse)
    var nafWidth: Int?
    @Option(parsing: .unconditional, help: OptionRanges.nafBlocks.help("NAFNet blocks per level (default 1)"), transform: OptionRanges.nafBlocks.parse)
    var nafBlocks: Int?
    @Option(parsing: .unconditional, help: OptionRanges.epochs.help("Epochs (default: 4 for classification, 6 for denoising, 40 for series, 30 for volume)"), transform: OptionRanges.epochs.parse)
    var epochs: Int?
    @Option(help: "sgd, adam or adamw (default adamw).") var optimizer: OptimizerKind?
    @Option(parsing: .unconditional, help: OptionRanges.learningRate.help("Learning rate of the weights (default 0.001; series 0.003)"), transform: OptionRanges.learningRate.parse)
    var lr: Float?
    @Option(parsing: .unconditional, help: OptionRanges.weightDecay.help("Weight decay (default 0.0001)"), transform: OptionRanges.weightDecay.parse)
    var weightDecay: Float?
    @Option(parsing: .unconditional, help: OptionRanges.densityLearningRate.help("Learning rate of the density"), transform: OptionRanges.densityLearningRate.parse)
    var densityLr: Float = 1e-2
    @Option(help: "Schedule of the weights' learning rate: \(LearningRateSchedule.meanings).")
    var schedule = LearningRateSchedule.cosine
    @Option(help: "Schedule of the density's learning rate (the forms of --schedule).")
    var densitySchedule = LearningRateSchedule.cosine
    @Option(parsing: .unconditional,
            help: OptionRanges.preciseBatchNorm.help("Before every score, recompute each batch norm's running mean and variance with the final weights over this many training batches (0: off; default 32 for tune, 0 otherwise)"),
            transform: OptionRanges.preciseBatchNorm.parse)
    var preciseBn: Int?
    @Option(help: ArgumentHelp("Convolution algorithm (default auto): \(ConvolutionMethod.summaries(ConvolutionMethod.reproducible))."))
    var method: ConvolutionMethod?

    /// The experiment and settings for `task` (default: ``task``, the run's task, or
    /// classification): where an option is not given, the value of `run` (the experiment of a
    /// trained run), else the task's default (`TaskDefaults`). A flag (`--rgb`, `--augment`,
    /// `--trainable-density`) given or set in `run` is set. The batch-norm statistics are
    /// recomputed over `preciseBatchNorm` batches unless `--precise-bn` is given.
    func resolve(task requested: TaskKind? = nil, run: Experiment? = nil, preciseBatchNorm: Int = 0) throws -> (Experiment, TrainingSettings) {
        let task = requested ?? self.task ?? run?.task ?? .classification
        var e = Experiment(task: task)
        let run = run?.task == task ? run : nil
        e.model = model ?? run?.model ?? e.model
        e.dataset = dataset ?? run?.dataset ?? e.dataset
        // Where the data is goes with the dataset: a new --dataset forgets the run's files.
        let sameData = dataset == nil
        e.dataDirectory = dataDir ?? (sameData ? run?.dataDirectory : nil)
        e.validationDirectory = validationDir ?? (sameData ? run?.validationDirectory : nil)
        e.problem = problem ?? (sameData && data == nil ? run?.problem : nil)
        e.dataFile = data ?? (sameData && problem == nil && dataDir == nil ? run?.dataFile : nil)
        e.testDataFile = testData ?? (sameData && problem == nil && dataDir == nil ? run?.testDataFile : nil)
        e.zNormalise = zNormalise ?? run?.zNormalise
        e.imageSize = imageSize ?? run?.imageSize
        e.imageFit = imageFit ?? run?.imageFit
        e.den = den?.values ?? run?.den ?? e.den
        e.kernelSize = kernelSize ?? (den == nil ? run?.kernelSize : nil) ?? 2 * e.den.count + 1
        e.trainableDensity = trainableDensity || run?.trainableDensity == true
        e.batchSize = batchSize ?? run?.batchSize ?? e.batchSize
        e.trainingSubset = trainSubset ?? run?.trainingSubset ?? e.trainingSubset
        e.evaluationSubset = testSubset ?? run?.evaluationSubset ?? e.evaluationSubset
        e.augment = augment || run?.augment == true
        e.labelSmoothing = labelSmoothing ?? run?.labelSmoothing ?? e.labelSmoothing
        e.sigma = sigma ?? run?.sigma ?? e.sigma
        e.patchSize = patchSize ?? run?.patchSize ?? e.patchSize
        e.patchesPerEpoch = patchesPerEpoch ?? run?.patchesPerEpoch ?? e.patchesPerEpoch
        e.evaluationPatches = evalPatches ?? run?.evaluationPatches ?? e.evaluationPatches
        e.grey = !rgb && run?.grey != false
        e.downscale = downscale ?? run?.downscale ?? e.downscale
        e.loss = loss ?? run?.loss ?? e.loss
        e.depth = depth ?? run?.depth ?? e.depth
        e.width = width ?? run?.width ?? e.width
        e.zeroLastLayer = lastLayerInit.map { $0 == .zero } ?? run?.zeroLastLayer ?? e.zeroLastLayer
        e.nafWidth = nafWidth ?? run?.nafWidth ?? e.nafWidth
        e.nafBlocks = nafBlocks ?? run?.nafBlocks ?? e.nafBlocks
        let method = method ?? run?.convolutionMethod ?? .auto
        e.convolutionMethod = method == .auto ? nil : method
        try e.validate()
        var s = TrainingSettings(task: task)
        s.epochs = epochs ?? s.epochs
        s.optimizer = optimizer ?? s.optimizer
        s.learningRate = lr ?? s.learningRate
        s.weightDecay = weightDecay ?? s.weightDecay
        s.densityLearningRate = densityLr
        s.schedule = schedule
        s.densitySchedule = densitySchedule
        let precise = preciseBn ?? preciseBatchNorm
        s.preciseBatchNorm = precise == 0 ? nil : precise
        try s.validate()
        return (e, s)
    }
}

extension TaskKind: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension DatasetKind: ExpressibleByArgument {}
extension DenoisingTask.LossKind: ExpressibleByArgument {}
extension LastLayerInit: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension ImageFit: ExpressibleByArgument {}

extension LearningRateSchedule: ExpressibleByArgument {
    /// Reads the command line's text (`LearningRateSchedule.init(parsing:)`); `nil` makes the
    /// parser refuse it with exit code 64, naming the option and listing `allValueStrings`.
    public init?(argument: String) { try? self.init(parsing: argument) }

    /// The forms a schedule takes (listed in the help and when a value is refused).
    public static var allValueStrings: [String] { forms }
}
