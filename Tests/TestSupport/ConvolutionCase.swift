import GridCore
import WeightedConvolution

/// One convolution to test: shapes and options, described compactly in test reports.
public struct ConvolutionCase: Sendable, CustomStringConvertible {
    /// `[B, Cin, x…]`.
    public let input: [Int]
    /// `[Cout, Cin/groups, k…]`.
    public let kernel: [Int]
    /// Stride, padding, dilation, groups, padding mode, method.
    public let options: ConvolutionOptions

    /// A case from its shapes and options.
    public init(input: [Int], kernel: [Int], options: ConvolutionOptions) {
        self.input = input
        self.kernel = kernel
        self.options = options
    }

    /// The spatial rank `D`.
    public var rank: Int { input.count - 2 }

    /// The resolved geometry (the case generator only makes valid cases).
    public func geometry() throws -> ConvolutionGeometry {
        try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: options)
    }

    /// e.g. `x[2, 4, 7] k[2, 2, 3] s[2] same d[1] g2 reflect`.
    public var description: String {
        let padding = switch options.padding {
        case .same: "same"
        case .explicit(let low, let high): "p\(low)/\(high)"
        }
        return "x\(input) k\(kernel) s\(options.stride) \(padding) d\(options.dilation) g\(options.groups) \(options.paddingMode) \(options.method)"
    }

    /// Seeded random cases covering, for each spatial rank in `ranks`, every padding mode with
    /// odd and even kernels, cycling through stride 1/2, dilation 1/2, groups 1/2/depthwise and
    /// explicit asymmetric or `same` padding. Extents stay small (`maxExtent` per axis) so the
    /// naive reference stays fast; every case is valid for its padding mode.
    public static func random(
        seed: UInt64, ranks: [Int], maxExtent: (Int) -> Int, method: ConvolutionMethod
    ) -> [ConvolutionCase] {
        var random = TestRandom(seed: seed)
        var cases: [ConvolutionCase] = []
        var counter = 0
        for rank in ranks {
            for mode in PaddingMode.allCases {
                for odd in [true, false] {
                    counter += 1
                    let stride = counter % 2 == 0 ? 2 : 1
                    let dilation = (counter / 2) % 2 == 0 ? 1 : 2
                    let kernelChoices = odd ? (rank <= 2 ? [1, 3, 5] : [1, 3]) : (rank <= 2 ? [2, 4] : [2])
                    let sizes = (0..<rank).map { _ in random.pick(kernelChoices) }
                    var extents: [Int] = []
                    var low: [Int] = [], high: [Int] = []
                    for a in 0..<rank {
                        let reach = dilation * (sizes[a] - 1)
                        let extent = Swift.max(random.int(in: 2...maxExtent(rank)), reach + 1)
                        extents.append(extent)
                        // Asymmetric explicit padding within what every mode accepts (< extent).
                        let limit = Swift.min(reach, extent - 1)
                        low.append(random.int(in: 0...limit))
                        high.append(random.int(in: 0...limit))
                    }
                    let (groups, inPerGroup, outPerGroup): (Int, Int, Int) = switch counter % 3 {
                    case 0: (1, random.int(in: 1...3), random.int(in: 1...3))
                    case 1: (2, random.int(in: 1...2), random.int(in: 1...2))
                    default: (3, 1, random.int(in: 1...2))  // depthwise (Cin = groups)
                    }
                    let padding: ConvolutionPadding = counter % 4 < 2 ? .explicit(low: low, high: high) : .same
                    cases.append(ConvolutionCase(
                        input: [random.int(in: 1...3), groups * inPerGroup] + extents,
                        kernel: [groups * outPerGroup, inPerGroup] + sizes,
                        options: .init(stride: [stride], padding: padding, dilation: [dilation], groups: groups,
                                       paddingMode: mode, method: method)))
                }
            }
        }
        return cases
    }

    /// Seeded random cases the Winograd engine computes (2-D, 3 × 3, unit stride and dilation,
    /// one group), cycling through every padding mode, explicit asymmetric padding of 0–3 (beyond
    /// the kernel's reach of 2 the input gradient takes the direct path) and `same`, odd and even
    /// extents of 3–`maxExtent`, 1–3 images and 1–5 channels each way.
    public static func winograd(seed: UInt64, count: Int, maxExtent: Int) -> [ConvolutionCase] {
        var random = TestRandom(seed: seed)
        return (0..<count).map { index in
            let mode = PaddingMode.allCases[index % PaddingMode.allCases.count]
            let extents = (0..<2).map { _ in random.int(in: 3...maxExtent) }
            // Every mode but zeros pads by less than the extent.
            let limit = mode == .zeros ? 3 : Swift.min(3, extents.min()! - 1)
            let padding: ConvolutionPadding = index % 3 == 2 ? .same : .explicit(
                low: (0..<2).map { _ in random.int(in: 0...limit) }, high: (0..<2).map { _ in random.int(in: 0...limit) })
            let channels = (random.int(in: 1...5), random.int(in: 1...5))
            return ConvolutionCase(
                input: [random.int(in: 1...3), channels.0] + extents, kernel: [channels.1, channels.0, 3, 3],
                options: .init(padding: padding, paddingMode: mode, method: .winograd))
        }
    }
}
