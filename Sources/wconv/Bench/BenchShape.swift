import ArgumentParser
import WeightedConvolution

/// A benchmark shape: one convolution layer, `[B, Cin, x…]` to `Cout` channels with a `k^D`
/// kernel, stride, symmetric zero padding and groups (the method is set by each `BenchMethod`).
struct BenchShape: Sendable, Equatable {
    /// `[B, Cin, x…]`.
    let input: [Int]
    /// `Cout`.
    let outChannels: Int
    /// The kernel's extent on every spatial axis.
    let kernelSize: Int
    /// The stride on every spatial axis.
    var stride = 1
    /// Zero padding before and after every spatial axis.
    let padding: Int
    /// Channel groups.
    var groups = 1

    /// A layer with "same" padding for odd kernels (`k / 2`) unless `padding` is given.
    init(_ input: [Int], to outChannels: Int, k: Int, stride: Int = 1, padding: Int? = nil, groups: Int = 1) {
        self.input = input
        self.outChannels = outChannels
        self.kernelSize = k
        self.stride = stride
        self.padding = padding ?? k / 2
        self.groups = groups
    }

    /// `[Cout, Cin/g, k…]`.
    var kernel: [Int] { [outChannels, input[1] / groups] + Array(repeating: kernelSize, count: input.count - 2) }

    /// Stride, padding and groups as operator options.
    var options: ConvolutionOptions { .init(stride: [stride], padding: .symmetric([padding]), groups: groups) }

    /// The label in the table's shape column, e.g. `[64,64,32,32] 3x3 64→128 s2 p1`.
    var name: String {
        let rank = input.count - 2, k = kernelSize
        let extent = rank == 1 ? "k\(k)" : rank == 2 ? "\(k)x\(k)" : "\(k)³"
        let channels = groups > 1 && groups == input[1] && groups == outChannels
            ? "depthwise" : "\(input[1])→\(outChannels)" + (groups > 1 ? " g\(groups)" : "")
        return "[\(input.map(String.init).joined(separator: ","))] \(extent) \(channels)"
            + (stride > 1 ? " s\(stride)" : "") + (padding > 0 ? " p\(padding)" : "")
    }

    /// The layer as `wconv bench conv` passes it to `scripts/pytorch-bench.py conv --shape`
    /// (read there by `scripts/conv_shape.py`): `B,Cin,x…:Cout:k:stride:padding:groups`.
    var spec: String {
        "\(input.map(String.init).joined(separator: ",")):\(outChannels):\(kernelSize):\(stride):\(padding):\(groups)"
    }

    /// The layer's geometry (its output shape and flops).
    func geometry() throws -> ConvolutionGeometry {
        try ConvolutionGeometry(inputShape: input, kernelShape: kernel, options: options)
    }

    /// `2·B·Cout·(Cin/g)·∏k·∏y`, the flops of one forward pass (`y` the strided output extents).
    func forwardFlops() throws -> Double { try geometry().forwardFlops }

    /// The shapes of the project's speed targets (PyTorch/oneDNN on 2 threads for comparison).
    static let standard: [BenchShape] = [
        BenchShape([64, 64, 32, 32], to: 64, k: 3), BenchShape([64, 128, 16, 16], to: 128, k: 3),
        BenchShape([16, 64, 64, 64], to: 64, k: 3), BenchShape([8, 32, 64, 64], to: 32, k: 7),
        BenchShape([32, 16, 4096], to: 16, k: 5), BenchShape([4, 16, 32, 32, 32], to: 16, k: 3),
    ]

    /// Every distinct convolution of VGG-16 (13 3×3 layers, max-pooling between stages) on
    /// 32×32 inputs at a batch of 64, as `wconv bench train` builds it.
    static let vgg16: [BenchShape] = [
        BenchShape([64, 3, 32, 32], to: 64, k: 3), BenchShape([64, 64, 32, 32], to: 64, k: 3),
        BenchShape([64, 64, 16, 16], to: 128, k: 3), BenchShape([64, 128, 16, 16], to: 128, k: 3),
        BenchShape([64, 128, 8, 8], to: 256, k: 3), BenchShape([64, 256, 8, 8], to: 256, k: 3),
        BenchShape([64, 256, 4, 4], to: 512, k: 3), BenchShape([64, 512, 4, 4], to: 512, k: 3),
        BenchShape([64, 512, 2, 2], to: 512, k: 3),
    ]

    /// Every distinct convolution of ResNet-18 for 32×32 inputs (a 3×3 stem, no max-pooling; the
    /// first block of stages 2–4 has a 3×3 stride-2 convolution and a 1×1 stride-2 projection)
    /// at a batch of 64, as `wconv bench train` builds it.
    static let resnet18: [BenchShape] = [
        BenchShape([64, 3, 32, 32], to: 64, k: 3), BenchShape([64, 64, 32, 32], to: 64, k: 3),
        BenchShape([64, 64, 32, 32], to: 128, k: 3, stride: 2), BenchShape([64, 64, 32, 32], to: 128, k: 1, stride: 2),
        BenchShape([64, 128, 16, 16], to: 128, k: 3),
        BenchShape([64, 128, 16, 16], to: 256, k: 3, stride: 2), BenchShape([64, 128, 16, 16], to: 256, k: 1, stride: 2),
        BenchShape([64, 256, 8, 8], to: 256, k: 3),
        BenchShape([64, 256, 8, 8], to: 512, k: 3, stride: 2), BenchShape([64, 256, 8, 8], to: 512, k: 1, stride: 2),
        BenchShape([64, 512, 4, 4], to: 512, k: 3),
    ]

    /// Shapes outside the targets that networks also use: one large image, depthwise, pointwise.
    static let extra: [BenchShape] = [
        BenchShape([1, 64, 256, 256], to: 64, k: 3), BenchShape([16, 64, 64, 64], to: 64, k: 3, groups: 64),
        BenchShape([64, 128, 32, 32], to: 128, k: 1),
    ]

    /// Single-channel signals with kernels of 15 taps and more, where the FFT path should win
    /// ("same" padding).
    static let largeKernels: [BenchShape] = [
        BenchShape([1, 1, 65536], to: 1, k: 255), BenchShape([1, 1, 512, 512], to: 1, k: 31),
        BenchShape([1, 1, 64, 64, 64], to: 1, k: 15),
    ]
}

/// Which layers `wconv bench conv` times (`--shapes`).
enum BenchShapeSet: String, CaseIterable, ExpressibleByArgument {
    /// The six layers of the speed targets.
    case standard = "default"
    /// Every distinct layer of VGG-16 on 32×32 inputs, batch 64.
    case vgg16
    /// Every distinct layer of ResNet-18 on 32×32 inputs, batch 64.
    case resnet18
    /// All of them, each distinct layer once.
    case all

    /// The layers of the set, in table order.
    var shapes: [BenchShape] {
        switch self {
        case .standard: BenchShape.standard
        case .vgg16: BenchShape.vgg16
        case .resnet18: BenchShape.resnet18
        case .all:
            (BenchShape.standard + BenchShape.vgg16 + BenchShape.resnet18).reduce(into: []) { shapes, shape in
                if !shapes.contains(shape) { shapes.append(shape) }
            }
        }
    }
}
