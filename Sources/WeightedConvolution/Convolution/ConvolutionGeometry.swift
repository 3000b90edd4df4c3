import GridCore

/// Every size of one convolution, resolved from the input and kernel shapes and the options.
///
/// Layout: input `[batch, inChannels, x₁ … x_D]`, kernel `[outChannels, inChannels/groups,
/// k₁ … k_D]`, output `[batch, outChannels, y₁ … y_D]` with
/// `y_a = (x_a + low_a + high_a − dilation_a·(k_a − 1) − 1) / stride_a + 1`.
/// The geometry is rank-erased (plain arrays), so one implementation serves every rank.
public struct ConvolutionGeometry: Sendable, Hashable, CustomStringConvertible {
    /// Number of images in the batch.
    public let batch: Int
    /// Input channels.
    public let inChannels: Int
    /// Output channels.
    public let outChannels: Int
    /// Channel groups.
    public let groups: Int
    /// Spatial extents of the (unpadded) input.
    public let inputSize: [Int]
    /// Spatial extents of the kernel.
    public let kernelSize: [Int]
    /// Stride per spatial axis.
    public let stride: [Int]
    /// Dilation per spatial axis.
    public let dilation: [Int]
    /// Padding before each spatial axis.
    public let padLow: [Int]
    /// Padding after each spatial axis.
    public let padHigh: [Int]
    /// How padded values are defined.
    public let paddingMode: PaddingMode
    /// Spatial extents of the output.
    public let outputSize: [Int]

    /// Resolves and validates the sizes of a convolution.
    /// - Parameters:
    ///   - inputShape: `[batch, inChannels, x…]`.
    ///   - kernelShape: `[outChannels, inChannels/groups, k…]`.
    ///   - options: stride, padding, dilation, groups, padding mode.
    /// - Throws: ``ConvolutionError`` when ranks or channel counts disagree, a per-axis list has
    ///   the wrong length, a value is out of range (above ``largestValue`` included), the output
    ///   would be empty, or the input, kernel, output or padded input would not fit in memory.
    public init(inputShape: [Int], kernelShape: [Int], options: ConvolutionOptions) throws(ConvolutionError) {
        guard inputShape.count >= 3 else {
            throw .shapeMismatch("input needs [batch, channels, spatial…] (rank ≥ 3), got \(inputShape)")
        }
        guard kernelShape.count == inputShape.count else {
            throw .shapeMismatch("kernel \(kernelShape) must have the input's rank \(inputShape.count) ([out, in/groups, k…])")
        }
        guard !inputShape.contains(where: { $0 < 0 }), !kernelShape.contains(where: { $0 < 1 }) else {
            throw .shapeMismatch("extents must be positive: input \(inputShape), kernel \(kernelShape)")
        }
        let rank = inputShape.count - 2
        let groups = options.groups
        guard groups >= 1 else { throw .invalidArgument("groups must be ≥ 1, got \(groups)") }
        try Self.checkBound(inputShape + kernelShape + [groups], name: "extents and groups")
        guard inputShape[1] % groups == 0, kernelShape[0] % groups == 0 else {
            throw .invalidArgument(
                "in channels \(inputShape[1]) and out channels \(kernelShape[0]) must be divisible by groups \(groups)")
        }
        guard kernelShape[1] * groups == inputShape[1] else {
            throw .shapeMismatch(
                "kernel \(kernelShape) expects \(kernelShape[1] * groups) input channels (in/groups × groups), input has \(inputShape[1])")
        }
        let stride = try Self.perAxis(options.stride, rank: rank, name: "stride", minimum: 1)
        let dilation = try Self.perAxis(options.dilation, rank: rank, name: "dilation", minimum: 1)
        try Self.checkBound(stride + dilation, name: "stride and dilation")
        let input = Array(inputShape[2...]), kernel = Array(kernelShape[2...])
        var low: [Int], high: [Int]
        switch options.padding {
        case .explicit(let l, let h):
            low = try Self.perAxis(l, rank: rank, name: "padding", minimum: 0)
            high = try Self.perAxis(h, rank: rank, name: "padding", minimum: 0)
            try Self.checkBound(low + high, name: "padding")
        case .same:
            (low, high) = ([], [])
            for a in 0..<rank {
                let out = (input[a] + stride[a] - 1) / stride[a]
                let total = Swift.max((out - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 - input[a], 0)
                low.append(total / 2)
                high.append(total - total / 2)
            }
        }
        var output: [Int] = []
        for a in 0..<rank {
            let span = input[a] + low[a] + high[a] - dilation[a] * (kernel[a] - 1)
            guard span >= 1 else {
                throw .shapeMismatch(
                    "axis \(a): padded input \(input[a] + low[a] + high[a]) is smaller than the dilated kernel \(dilation[a] * (kernel[a] - 1) + 1)")
            }
            output.append((span - 1) / stride[a] + 1)
        }
        let padded = (0..<rank).map { input[$0] + low[$0] + high[$0] }
        for (name, shape) in [("input", inputShape), ("kernel", kernelShape), ("output", [inputShape[0], kernelShape[0]] + output),
                              ("padded input", Array(inputShape[..<2]) + padded)] {
            guard let count = SizeLimits.product(shape), SizeLimits.fitsInMemory(count: count, width: MemoryLayout<Float>.size) else {
                throw .invalidArgument("the \(name) \(shape) has more elements than this machine's memory "
                    + "(\(SizeLimits.describe(bytes: Double(SizeLimits.physicalMemory)))) holds")
            }
        }
        self.batch = inputShape[0]
        self.inChannels = inputShape[1]
        self.outChannels = kernelShape[0]
        self.groups = groups
        self.inputSize = input
        self.kernelSize = kernel
        self.stride = stride
        self.dilation = dilation
        self.padLow = low
        self.padHigh = high
        self.paddingMode = options.paddingMode
        self.outputSize = output
    }

    /// The largest extent, stride, dilation or padding accepted (2³¹ − 1), so that the sizes of
    /// one axis (e.g. `dilation·(k − 1)`) cannot overflow.
    public static let largestValue = Int(Int32.max)

    private static func checkBound(_ values: [Int], name: String) throws(ConvolutionError) {
        guard let largest = values.max(), largest > largestValue else { return }
        throw .invalidArgument("\(name) must be at most \(largestValue), got \(largest)")
    }

    private static func perAxis(_ values: [Int], rank: Int, name: String, minimum: Int) throws(ConvolutionError) -> [Int] {
        let expanded = values.count == 1 ? [Int](repeating: values[0], count: rank) : values
        guard expanded.count == rank else {
            throw .invalidArgument("\(name) needs 1 or \(rank) values, got \(values.count) (\(values))")
        }
        guard expanded.allSatisfy({ $0 >= minimum }) else {
            throw .invalidArgument("\(name) values must be ≥ \(minimum), got \(values)")
        }
        return expanded
    }

    /// The number of spatial axes, `D`.
    public var spatialRank: Int { inputSize.count }
    /// `[batch, inChannels, x…]`.
    public var inputShape: [Int] { [batch, inChannels] + inputSize }
    /// `[outChannels, inChannels/groups, k…]`.
    public var kernelShape: [Int] { [outChannels, inChannels / groups] + kernelSize }
    /// `[batch, outChannels, y…]`.
    public var outputShape: [Int] { [batch, outChannels] + outputSize }
    /// Spatial extents of the padded input.
    public var paddedSize: [Int] { (0..<spatialRank).map { inputSize[$0] + padLow[$0] + padHigh[$0] } }
    /// Whether the input needs no padding at all.
    public var isUnpadded: Bool { padLow.allSatisfy { $0 == 0 } && padHigh.allSatisfy { $0 == 0 } }

    /// Multiply-adds × 2 of one forward pass: `2·batch·out·(in/groups)·∏k·∏y`.
    public var forwardFlops: Double {
        2 * Double(batch) * Double(outChannels) * Double(inChannels / groups)
            * Double(kernelSize.reduce(1, *)) * Double(outputSize.reduce(1, *))
    }

    /// A compact description, e.g. `[64,64,32,32]*[64,64,3,3] s1 p1/1 d1 g1 → [64,64,32,32]`.
    public var description: String {
        "\(inputShape)*\(kernelShape) s\(stride) p\(padLow)/\(padHigh) d\(dilation) g\(groups) \(paddingMode) → \(outputShape)"
    }
}
