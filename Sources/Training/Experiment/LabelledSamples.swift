import Datasets
import Foundation

/// The labelled samples of one side (training or test) of a classification or series dataset,
/// checked: not empty, labels within the classes.
struct LabelledSamples {
    /// Samples `[n, channels, …]` with their labels.
    var images: LabelledImages
    /// The number of classes.
    var classes: Int
    /// The class names, when the data names them (folders, series labels).
    var names: [String]?
    /// The file or folder they came from, for messages.
    var source: String
}

extension Experiment {
    /// The training or test samples of the experiment's classification or series dataset.
    func labelledSamples(training: Bool) throws -> LabelledSamples {
        let samples: LabelledSamples
        switch dataset {
        case .fashionMnist, .mnist: samples = try idxImages(training: training)
        case .cifar10, .cifar100, .cifar100Coarse: samples = try cifarImages(training: training)
        case .folder: samples = try folderImages(training: training)
        case .ucr: samples = try seriesSamples(training: training)
        case .photos, .nifti: throw TrainingError("dataset \(dataset) is not for \(task) (\(task): \(DatasetKind.names(for: task)))")
        }
        guard samples.images.count > 0 else {
            throw DataError(samples.source, "the \(training ? "training" : "test") set of \(dataName) is empty")
        }
        try samples.images.checkLabels(classes: samples.classes, source: samples.source)
        return samples
    }

    /// Fashion-MNIST or MNIST IDX files (plain or gzipped).
    private func idxImages(training: Bool) throws -> LabelledSamples {
        let folder = dataDirectory ?? (dataset == .fashionMnist ? "/usr/share/datasets/fashion-mnist" : "")
        guard !folder.isEmpty else { throw TrainingError("--data-dir is needed for \(dataset) (its IDX files)") }
        let prefix = training ? "train" : "t10k"
        let name = { (kind: String) in
            ["\(prefix)-\(kind)", "\(prefix)-\(kind).gz"].map { folder + "/" + $0 }
                .first { FileManager.default.fileExists(atPath: $0) } ?? folder + "/\(prefix)-\(kind).gz"
        }
        let source = name("images-idx3-ubyte")
        return LabelledSamples(images: try IDX.read(images: source, labels: name("labels-idx1-ubyte")), classes: 10, source: source)
    }

    /// CIFAR binary files, in the given folder or the one the official tarball unpacks into it.
    private func cifarImages(training: Bool) throws -> LabelledSamples {
        guard let given = dataDirectory else { throw TrainingError("--data-dir is needed for \(dataset) (its binary files)") }
        let variant: CIFAR.Variant = dataset == .cifar10 ? .cifar10 : dataset == .cifar100 ? .cifar100Fine : .cifar100Coarse
        let files = CIFAR.files(variant, training: training)
        let unpacked = given + (variant == .cifar10 ? "/cifar-10-batches-bin" : "/cifar-100-binary")
        let folder = FileManager.default.fileExists(atPath: given + "/" + files[0]) || !FileManager.default.fileExists(atPath: unpacked)
            ? given : unpacked
        return LabelledSamples(images: try CIFAR.read(files.map { folder + "/" + $0 }, variant: variant), classes: variant.classes, source: folder)
    }

    /// An image folder (one sub-folder per class): the validation folder's images for the test
    /// side when there is one, else a seeded share of the folder (the same split on both sides).
    private func folderImages(training: Bool) throws -> LabelledSamples {
        guard let root = dataDirectory else { throw TrainingError("--data-dir is needed for a folder of images (one sub-folder per class)") }
        let size = imageSize ?? TaskDefaults.imageSize
        let read = { (folder: String, classes: [String]?) throws(DataError) in
            try ImageFolder.read(folder, size: size, fit: imageFit ?? .centreCrop, grey: grey, classes: classes)
        }
        if let validationDirectory {
            let contents = training ? try read(root, nil) : try read(validationDirectory, try ImageFolder.classes(in: root))
            return LabelledSamples(images: contents.images, classes: contents.classes.count, names: contents.classes,
                                   source: training ? root : validationDirectory)
        }
        let contents = try read(root, nil)
        let parts = try ImageFolder.split(contents.images, validationFraction: TaskDefaults.folderValidationFraction, seed: 1)
        return LabelledSamples(images: training ? parts.training : parts.validation, classes: contents.classes.count,
                               names: contents.classes, source: root)
    }

    /// A UCR problem's training or test file (`--problem` in `--data-dir`), or the files given.
    private func seriesSamples(training: Bool) throws -> LabelledSamples {
        let files: (training: String, test: String)
        if let dataFile, let testDataFile {
            files = (dataFile, testDataFile)
        } else {
            let folder = dataDirectory ?? TaskDefaults.seriesFolder, name = problem ?? TaskDefaults.seriesProblem
            do { files = try UCRSeries.problemFiles(name, in: folder) } catch {
                throw DataError(folder, "no \(name)_TRAIN.ts and \(name)_TEST.ts (or .tsv) here: run scripts/fetch-ucr, which puts the UCR "
                                + "problems in \(TaskDefaults.seriesFolder), or give --data-dir, or --data and --test-data")
            }
        }
        let pair = try UCRSeries.readPair(training: files.training, test: files.test, zNormalise: zNormalise ?? true)
        let side = training ? pair.training : pair.test
        return LabelledSamples(images: side.series, classes: pair.training.classes.count, names: pair.training.classes,
                               source: training ? files.training : files.test)
    }
}
