/// Where an experiment's samples come from.
public enum DatasetKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Fashion-MNIST IDX files (classification; the Debian package's folder by default).
    case fashionMnist = "fashion-mnist"
    /// MNIST IDX files (classification).
    case mnist
    /// CIFAR-10 binary files (classification).
    case cifar10
    /// CIFAR-100 binary files, 100 fine classes (classification).
    case cifar100
    /// CIFAR-100 binary files, 20 coarse classes (classification).
    case cifar100Coarse = "cifar100-coarse"
    /// The Debian MATE nature photographs (denoising).
    case photos
    /// A folder of PNG/JPEG files: one sub-folder per class (classification) or plain images (denoising).
    case folder
    /// UCR/UEA series files, `.ts`, `.tsv` or `.csv` (series).
    case ucr
    /// NIfTI volumes, `.nii` or `.nii.gz` (volume).
    case nifti

    /// The name the command line and the files use.
    public var description: String { rawValue }

    /// The tasks that read the dataset.
    public var tasks: Set<TaskKind> {
        switch self {
        case .fashionMnist, .mnist, .cifar10, .cifar100, .cifar100Coarse: [.classification]
        case .photos: [.denoising]
        case .folder: [.classification, .denoising]
        case .ucr: [.series]
        case .nifti: [.volume]
        }
    }

    /// The datasets of `task`, comma-separated (for messages and help).
    public static func names(for task: TaskKind) -> String {
        allCases.filter { $0.tasks.contains(task) }.map(\.rawValue).joined(separator: ", ")
    }
}
