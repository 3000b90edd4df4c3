import Datasets
import Foundation
import GridCore

extension Experiment {
    /// The clean training and validation patches of a denoising or volume experiment, and their channels.
    func patchSources() throws -> (training: any DenoisingPatchSource, validation: any DenoisingPatchSource, channels: Int) {
        if task == .volume {
            let (training, validation) = try volumes()
            return (try VolumePatches(volumes: training, patchSize: patchSize, sigma: sigma),
                    try VolumePatches(volumes: validation, patchSize: patchSize, sigma: sigma), 1)
        }
        let (training, validation) = try denoisingImages()
        return (try DenoisingDataset(images: training, patchSize: patchSize, sigma: sigma),
                try DenoisingDataset(images: validation, patchSize: patchSize, sigma: sigma), training[0].channels)
    }

    /// The clean training and validation photographs of a denoising experiment: the validation
    /// folder when there is one, else the last sixth of the folder (at least one image).
    func denoisingImages() throws -> (training: [Image], validation: [Image]) {
        guard dataset == .photos || dataset == .folder else {
            throw TrainingError("dataset \(dataset) is not for \(task) (\(task): \(DatasetKind.names(for: task)))")
        }
        let folder = dataDirectory ?? (dataset == .photos ? "/usr/share/backgrounds/mate/nature" : "")
        guard !folder.isEmpty else { throw TrainingError("--data-dir is needed for a folder of images") }
        let images = try DenoisingDataset.loadFolder(folder, grey: grey, downscale: downscale, patchSize: patchSize)
        if let validationDirectory {
            return (images, try DenoisingDataset.loadFolder(validationDirectory, grey: grey, downscale: downscale, patchSize: patchSize))
        }
        guard images.count >= 2 else { throw TrainingError("\(folder): need at least 2 images to hold one out for validation") }
        let held = max(1, images.count / 6)
        return (Array(images.dropLast(held)), Array(images.suffix(held)))
    }

    /// The clean training and validation volumes of a volume experiment, each shrunk by
    /// `downscale` (means of blocks) and divided by its largest value: the `.nii`/`.nii.gz` files
    /// of ``dataDirectory`` (validation: those of ``validationDirectory``, else the last sixth, at
    /// least one), or one volume (``dataFile``, default ``TaskDefaults/volumeFile``) cut along its
    /// second axis into a training region and a validation region of a quarter of it.
    func volumes() throws -> (training: [Grid<3>], validation: [Grid<3>]) {
        if let dataDirectory {
            let training = try Self.niftiFiles(in: dataDirectory).map(prepared)
            if let validationDirectory { return (training, try Self.niftiFiles(in: validationDirectory).map(prepared)) }
            guard training.count >= 2 else {
                throw TrainingError("\(dataDirectory): need at least 2 volumes to hold one out for validation (or give --data FILE to split one)")
            }
            let held = max(1, training.count / 6)
            return (Array(training.dropLast(held)), Array(training.suffix(held)))
        }
        let file = dataFile ?? TaskDefaults.volumeFile
        if dataFile == nil && !FileManager.default.fileExists(atPath: file) {
            throw DataError(file, "no such file: install Debian's mricron-data (scripts/setup --examples), or give --data FILE or --data-dir DIR")
        }
        let (training, validation) = try VolumePatches.split(try prepared(file), axis: 1, validationFraction: 0.25)
        return ([training], [validation])
    }

    /// A volume read, downscaled and scaled to `[0, 1]`.
    private func prepared(_ path: String) throws -> Grid<3> {
        let volume = try NIfTI.read(path)
        guard volume.dims.allSatisfy({ $0 >= downscale }) else {
            throw DataError(path, "\(volume.dims) voxels cannot be downscaled by \(downscale)")
        }
        return VolumePatches.unitScaled(VolumePatches.downscaled(volume, by: downscale))
    }

    /// The NIfTI files of a folder, sorted by name.
    static func niftiFiles(in folder: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { throw DataError(folder, "no such folder") }
        let files = names.filter(NIfTI.hasExtension).sorted().map { folder + "/" + $0 }
        guard !files.isEmpty else { throw DataError(folder, "no .nii or .nii.gz file in this folder") }
        return files
    }
}
