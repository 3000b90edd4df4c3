import ArgumentParser
import Training

/// The options shared by `train`, `compare` and `eval`: what to train on, and how.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "classification or denoising (compare: both when not given).") var task: String?
    @Option(help: "vgg-small, vgg11, vgg16, resnet20, resnet18 | dncnn, nafnet.") var model: String?
    @Option(help: "fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse | photos, folder.") var dataset: String?
    @Option(help: "Folder of the dataset's files (defaults: the Debian packages' folders).") var dataDir: String?
    @Option(help: "Folder of validation images (denoising from a folder).") var validationDir: String?
    @Option(help: "Side of the main square kernels.") var kernelSize: Int?
    @Option(help: "Density of the weighted arm, outermost first (kernel size 2n+1).") var den: FloatList?
    @Flag(help: "Train the density (its own learning rate and schedule).") var trainableDensity = false
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Use only this many training images (0: all).") var trainSubset: Int?
    @Option(help: "Use only this many evaluation images (0: all).") var testSubset: Int?
    @Flag(help: "Random crops and flips (classification).") var augment = false
    @Option(help: "Label smoothing (classification).") var labelSmoothing: Float = 0
    @Option(help: "Noise σ on the 0–255 scale (denoising).") var sigma: Float = 25
    @Option(help: "Patch side (denoising).") var patchSize: Int?
    @Option(help: "Training patches per epoch (denoising).") var patchesPerEpoch: Int?
    @Option(help: "Fixed validation patches (denoising).") var evalPatches: Int?
    @Flag(help: "RGB instead of grey images (denoising).") var rgb = false
    @Option(help: "Integer downscale of the photographs (denoising).") var downscale = 4
    @Option(help: "mse, l1 or psnr (denoising).") var loss = "mse"
    @Option(help: "DnCNN depth.") var depth: Int?
    @Option(help: "DnCNN width.") var width: Int?
    @Option(help: "DnCNN last layer: zero (starts as the identity) or kaiming (the reference's fan-out init, which can end below the noisy input).")
    var lastLayerInit = "zero"
    @Option(help: "NAFNet base width.") var nafWidth = 16
    @Option(help: "NAFNet blocks per level.") var nafBlocks = 1
    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "sgd, adam or adamw.") var optimizer: String?
    @Option(help: "Learning rate of the weights.") var lr: Float?
    @Option(help: "Weight decay.") var weightDecay: Float?
    @Option(help: "Learning rate of the density.") var densityLr: Float = 1e-2
    @Option(help: "constant, cosine, step:S:G, restarts:T0:M, warmup:E:<schedule>.") var schedule = "cosine"
    @Option(help: "Schedule of the density's learning rate.") var densitySchedule = "cosine"

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
        try e.validate()
        var s = TrainingSettings()
        s.epochs = epochs ?? (denoising ? 6 : 4)
        s.optimizer = optimizer ?? "adamw"
        s.learningRate = lr ?? 1e-3
        s.weightDecay = weightDecay ?? 1e-4
        s.densityLearningRate = densityLr
        s.schedule = schedule
        s.densitySchedule = densitySchedule
        return (e, s)
    }
}
