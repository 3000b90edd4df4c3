import GridCore

/// How the padding of a convolution is chosen.
public enum ConvolutionPadding: Sendable, Equatable, Hashable {
    /// Explicit padding before (`low`) and after (`high`) each spatial axis. One value applies to
    /// every axis.
    case explicit(low: [Int], high: [Int])
    /// Output extent `ceil(input / stride)` on every axis; the total padding is split with the
    /// extra element after (PyTorch's and TensorFlow's convention).
    case same

    /// The same padding before and after each axis (one value applies to every axis).
    public static func symmetric(_ amount: [Int]) -> ConvolutionPadding { .explicit(low: amount, high: amount) }

    /// No padding ("valid" convolution).
    public static let none = ConvolutionPadding.explicit(low: [0], high: [0])
}

/// Which algorithm computes a convolution.
public enum ConvolutionMethod: String, Sendable, CaseIterable, Codable {
    /// Chosen by the planner's cost model (fast, deterministic; see <doc:ChoosingAMethod>).
    case auto
    /// Matrix products over the im2col/vol2col column matrix (the direct engine).
    case direct
    /// FFTW transforms of the whole padded signals and spectral products.
    case fft
    /// FFTW transforms of blocks of the signal (overlap-save), for signals much longer than their
    /// kernels; unit-stride layers only, others run what `.auto` picks.
    case overlap
    /// Winograd minimal filtering (F(4, 3), F(2, 3), F(4, 5) or F(2, 5) along every axis) for the
    /// layers of ``ConvolutionMethod/winogradCoverage``; other layers run the direct path.
    case winograd
    /// Time every applicable path once per geometry and keep the fastest (cached per process).
    case measure
}

/// The hyper-parameters of a convolution, independent of the shapes it is applied to.
///
/// Per-axis values (`stride`, `dilation`, padding) are arrays of one value per spatial axis, or
/// a single value that applies to every axis.
public struct ConvolutionOptions: Sendable, Hashable {
    /// Step between output positions on each spatial axis (≥ 1).
    public var stride: [Int]
    /// Padding of the input.
    public var padding: ConvolutionPadding
    /// Spacing between kernel taps on each spatial axis (≥ 1).
    public var dilation: [Int]
    /// Number of channel groups; `in` and `out` channels must both be divisible by it.
    public var groups: Int
    /// How padded values are defined.
    public var paddingMode: PaddingMode
    /// Which algorithm to use.
    public var method: ConvolutionMethod

    /// Options with the deep-learning defaults: stride 1, no padding, dilation 1, 1 group,
    /// zero padding, automatic method.
    public init(
        stride: [Int] = [1], padding: ConvolutionPadding = .none, dilation: [Int] = [1],
        groups: Int = 1, paddingMode: PaddingMode = .zeros, method: ConvolutionMethod = .auto
    ) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.paddingMode = paddingMode
        self.method = method
    }
}

/// Errors a user can cause when describing a convolution.
public enum ConvolutionError: Error, Equatable, CustomStringConvertible {
    /// Shapes of input, kernel, bias or gradient that do not fit together.
    case shapeMismatch(String)
    /// A hyper-parameter outside its domain.
    case invalidArgument(String)
    /// A density that does not fit the kernel (wrong length, even size where a centre is needed).
    case invalidDensity(String)
    /// Input containing NaN or infinity where finite values are required.
    case nonFinite(String)

    /// A message saying what was expected and what came.
    public var description: String {
        switch self {
        case .shapeMismatch(let m): "shape mismatch: \(m)"
        case .invalidArgument(let m): "invalid argument: \(m)"
        case .invalidDensity(let m): "invalid density: \(m)"
        case .nonFinite(let m): "non-finite values: \(m)"
        }
    }
}
