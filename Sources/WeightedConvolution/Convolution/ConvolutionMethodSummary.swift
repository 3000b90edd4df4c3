/// What each ``ConvolutionMethod`` does and which layers it covers, in words: the one source of
/// the command line's help and error messages about methods.
extension ConvolutionMethod {
    /// The layers the Winograd path computes; every other layer runs the direct path.
    public static let winogradCoverage = "3- or 5-tap, unit-stride, undilated, ungrouped layers of rank 1, 2 or 3"

    /// The methods a training run may use: every method but ``ConvolutionMethod/measure``
    /// (which times each layer and is not reproducible).
    public static let reproducible: [ConvolutionMethod] = allCases.filter { $0 != .measure }

    /// The method and what it does, e.g. `winograd (3- or 5-tap, …; the others run direct)`.
    public var summary: String {
        switch self {
        case .auto: "auto (the planner's cost model chooses)"
        case .direct: "direct (matrix products)"
        case .fft: "fft (transforms of the whole signal)"
        case .overlap: "overlap (FFT by blocks; unit-stride layers, the others run auto)"
        case .winograd: "winograd (\(Self.winogradCoverage); the others run direct)"
        case .measure: "measure (times each applicable path once per geometry and keeps the fastest)"
        }
    }

    /// The names of `methods` joined as prose: `a, b, c or d`.
    public static func names(_ methods: [ConvolutionMethod]) -> String {
        let names = methods.map(\.rawValue)
        guard let last = names.last, names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// `methods` with what each does, separated by semicolons (for `--help`).
    public static func summaries(_ methods: [ConvolutionMethod]) -> String {
        methods.map(\.summary).joined(separator: "; ")
    }
}
