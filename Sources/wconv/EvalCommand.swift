import ArgumentParser
import Datasets
import Foundation
import GridCore
import Models
import NeuralNetwork
import Training

/// `wconv eval`: a trained model on the evaluation data — accuracy and top-5, per-class accuracy
/// and the confusion matrix (CSV, SVG) for classification and series; PSNR and SSIM against the noisy input's, and denoised PNGs, for denoising; the
/// validation patches' PSNR against the noisy input's for volumes.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a trained run (accuracy/top-5 and the confusion matrix, or PSNR/SSIM and denoised PNGs).",
        discussion: """
            wconv eval RUN_DIR reads the model, data, kernel, density, normalisation and convolution method from the \
            config.json of a run of wconv train (or of an arm of wconv compare) and its weights (model.safetensors, else the last checkpoint); an option given overrides \
            the run's value. Without RUN_DIR, --weights and the options describe the model.
            """)

    @Argument(help: "A folder written by wconv train, or an arm's folder of wconv compare.") var runDirectory: String?
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var trained: TrainedModelOptions
    @OptionGroup var compute: ThreadOptions
    @Option(parsing: .unconditional, help: "Seed of the evaluation noise (denoising).") var seed: UInt64 = 1
    @Option(help: "Folder for the confusion matrix (classification, series) or denoised images (denoising); default RUN_DIR/eval, else runs/eval.")
    var output: String?
    @Option(parsing: .unconditional, help: OptionRanges.images.help("How many validation images to denoise whole and save (denoising)"),
            transform: OptionRanges.images.parse)
    var images = 2

    /// Checks every option before any work starts.
    func validate() throws { _ = try experiment.resolve() }

    func run() throws {
        try compute.apply()
        let run = try runDirectory.map { try TrainedRun(folder: $0) }
        let (e, settings) = try experiment.resolve(run: run?.configuration.experiment)
        try run?.checkDataFolders(of: e)
        let weights = try trained.trainedWeights(run: run)
        let (task, channels, size, classes) = try e.makeTask(seed: seed, normalisation: weights.normalisation,
                                                             trainedImageShape: weights.imageShape,
                                                             readsTraining: settings.preciseBatchNorm != nil)
        let model = try trained.load(e, weights: weights, run: run, seed: seed, channels: channels, size: size, classes: classes)
        if let batches = settings.preciseBatchNorm {
            let (used, seconds) = try PreciseBatchNorm(batches: batches).recompute(model: model, task: task, epoch: 0)
            print(String(format: "batch-norm statistics recomputed over %d training batches in %.1f s", used, seconds))
        }
        if let task = task as? ClassificationTask {
            let names = Self.classNames(weights.file.metadata["classNames"], classes: classes)
            var correct = 0, top5 = 0, total = 0
            var confusion = ConfusionMatrix(classes: names)
            for batch in task.evaluationBatches() {
                let logits = try model(Variable(Tensor(shape: batch.shape, scalars: batch.input))).value
                correct += Metric.correct(logits, labels: batch.labels)
                top5 += Metric.correct(logits, labels: batch.labels, topK: 5)
                total += batch.count
                confusion.add(logits: logits.scalars, labels: batch.labels)
            }
            guard total > 0 else { throw CommandFailure("the test set is empty") }
            print(String(format: "accuracy %.2f %%, top-5 %.2f %% on %d %@ (chance %.2f %%)",
                         100 * Double(correct) / Double(total), 100 * Double(top5) / Double(total), total, e.task.samples, 100 / Double(classes)))
            print("per class (accuracy %, samples):")
            for row in confusion.perClass { print(String(format: "  %@: %.2f %% of %d", row.name, row.accuracy, row.samples)) }
            let folder = output ?? run.map { $0.folder + "/eval" } ?? "runs/eval"
            try confusion.write(to: folder, title: "\(e.model) on \(e.dataName): confusion matrix (rows: true class)")
            print("written: \(folder)/confusion.csv, confusion.svg")
            return
        }
        let evaluation = try Trainer(settings: TrainingSettings(), directory: nil, label: "eval").evaluate(model: model, task: task)
        print(String(format: "validation patches: PSNR %.3f dB (%@ %.3f dB)", evaluation.metric, task.baseline?.name ?? "noisy input", task.baseline?.value ?? .nan))
        guard e.task == .denoising else { return }
        try denoiseWholeImages(e, model: model, output: output ?? run.map { $0.folder + "/eval" } ?? "runs/eval")
    }

    /// The class names stored with a classifier's weights (`classNames`, a JSON array), or the
    /// class indices when there are none or they do not fit the class count.
    static func classNames(_ text: String?, classes: Int) -> [String] {
        if let text, let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), names.count == classes { return names }
        return (0..<classes).map(String.init)
    }

    /// Denoises whole validation images: PSNR and SSIM of input and output, PNGs of both.
    private func denoiseWholeImages(_ e: Experiment, model: any Module, output: String) throws {
        let folder = e.validationDirectory ?? e.dataDirectory ?? "/usr/share/backgrounds/mate/nature"
        let all = try DenoisingDataset.loadFolder(folder, grey: e.grey, downscale: e.downscale, patchSize: e.patchSize)
        let chosen = e.validationDirectory == nil ? Array(all.suffix(max(1, all.count / 6))) : all
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: seed)
        for (index, clean) in chosen.prefix(images).enumerated() {
            let noisy = clean.pixels.map { $0 + e.sigma / 255 * generator.nextNormal() }
            let restored = try e.denoiser(model: model).denoise(Image(channels: clean.channels, height: clean.height, width: clean.width, pixels: noisy))
            let q = (ImageQuality.ssim(noisy.map { min(max($0, 0), 1) }, clean.pixels, channels: clean.channels, height: clean.height, width: clean.width),
                     ImageQuality.ssim(restored.pixels, clean.pixels, channels: clean.channels, height: clean.height, width: clean.width))
            let window = ImageQuality.ssimWindow(height: clean.height, width: clean.width)
            print(String(format: "image %d (%d×%d): PSNR %.2f → %.2f dB, SSIM %.3f → %.3f%@", index, clean.width, clean.height,
                         Metric.psnr(noisy.map { min(max($0, 0), 1) }, clean.pixels), Metric.psnr(restored.pixels, clean.pixels), q.0, q.1,
                         window < 11 ? " (\(window)×\(window) window: the image is smaller than 11×11)" : ""))
            try Image(channels: clean.channels, height: clean.height, width: clean.width, pixels: noisy).writePNG(to: "\(output)/image\(index)-noisy.png")
            try restored.writePNG(to: "\(output)/image\(index)-denoised.png")
            try clean.writePNG(to: "\(output)/image\(index)-clean.png")
        }
        print("images in \(output)/")
    }
}
