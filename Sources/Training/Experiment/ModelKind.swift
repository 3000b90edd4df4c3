/// The models an experiment builds. Adding a model is one case here (with the tasks it serves)
/// and one factory in ``Experiment/makeModel(kind:seed:channels:size:classes:)``.
public enum ModelKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// A small VGG (classification).
    case vggSmall = "vgg-small"
    /// VGG-11 (classification).
    case vgg11
    /// VGG-16 (classification).
    case vgg16
    /// ResNet-20, CIFAR style (classification).
    case resnet20
    /// ResNet-18 (classification).
    case resnet18
    /// DnCNN: 2-D for denoising, 3-D for volumes.
    case dncnn
    /// NAFNet (denoising).
    case nafnet
    /// A small fully convolutional series network: three blocks of 16, 32 and 32 filters (series).
    case seriesSmall = "series-small"
    /// The fully convolutional network of Wang, Yan & Oates (2017) (series).
    case fcn
    /// The 1-D ResNet of Wang, Yan & Oates (2017) (series).
    case seriesResnet = "series-resnet"

    /// The name the command line and the files use.
    public var description: String { rawValue }

    /// The tasks the model serves.
    public var tasks: Set<TaskKind> {
        switch self {
        case .vggSmall, .vgg11, .vgg16, .resnet20, .resnet18: [.classification]
        case .dncnn: [.denoising, .volume]
        case .nafnet: [.denoising]
        case .seriesSmall, .fcn, .seriesResnet: [.series]
        }
    }

    /// The models of `task`, comma-separated (for messages and help).
    public static func names(for task: TaskKind) -> String {
        allCases.filter { $0.tasks.contains(task) }.map(\.rawValue).joined(separator: ", ")
    }
}
