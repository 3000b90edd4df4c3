import GridCore
import Testing
import WeightedConvolution
import TestSupport

/// Every error a user can cause when describing a convolution is thrown, with the right kind.
@Suite struct ConvolutionErrorTests {
    enum Kind: Sendable { case shape, argument, nonFinite }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let input: [Int], kernel: [Int], options: ConvolutionOptions, kind: Kind, why: String
        var testDescription: String { why }
    }

    static let badGeometries: [BadCase] = [
        BadCase(input: [2, 3], kernel: [1, 3], options: .init(), kind: .shape, why: "input rank < 3"),
        BadCase(input: [1, 2, 5], kernel: [1, 2, 3, 3], options: .init(), kind: .shape, why: "kernel rank differs"),
        BadCase(input: [1, 2, 5], kernel: [1, 2, 0], options: .init(), kind: .shape, why: "empty kernel axis"),
        BadCase(input: [1, 2, -1], kernel: [1, 2, 1], options: .init(), kind: .shape, why: "negative input extent"),
        BadCase(input: [1, 2, 5], kernel: [1, 2, 3], options: .init(groups: 0), kind: .argument, why: "groups 0"),
        BadCase(input: [1, 3, 5], kernel: [2, 1, 3], options: .init(groups: 2), kind: .argument, why: "channels not divisible by groups"),
        BadCase(input: [1, 4, 5], kernel: [2, 3, 3], options: .init(), kind: .shape, why: "kernel in-channels differ"),
        BadCase(input: [1, 4, 5], kernel: [2, 1, 3], options: .init(groups: 2), kind: .shape, why: "kernel in-channels ≠ Cin/groups"),
        BadCase(input: [1, 1, 5, 5], kernel: [1, 1, 3, 3], options: .init(stride: [1, 1, 1]), kind: .argument, why: "stride length"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(stride: [0]), kind: .argument, why: "stride 0"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(dilation: [0]), kind: .argument, why: "dilation 0"),
        BadCase(input: [1, 1, 5, 5], kernel: [1, 1, 3, 3], options: .init(dilation: [1, 2, 3]), kind: .argument, why: "dilation length"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(padding: .explicit(low: [-1], high: [0])), kind: .argument, why: "negative padding"),
        BadCase(input: [1, 1, 5, 5], kernel: [1, 1, 3, 3], options: .init(padding: .explicit(low: [1, 1, 1], high: [1])), kind: .argument, why: "padding length"),
        BadCase(input: [1, 1, 3], kernel: [1, 1, 5], options: .init(), kind: .shape, why: "kernel larger than the input"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(dilation: [3]), kind: .shape, why: "dilated kernel larger than the input"),
        BadCase(input: [1, 1, 3], kernel: [1, 1, 3], options: .init(padding: .symmetric([3]), paddingMode: .reflect), kind: .argument, why: "reflect padding ≥ extent"),
        BadCase(input: [1, 1, 3], kernel: [1, 1, 3], options: .init(padding: .symmetric([4]), paddingMode: .circular), kind: .argument, why: "circular padding > extent"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(dilation: [Int.max / 2 + 1]), kind: .argument, why: "dilation·(k − 1) overflows"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(padding: .symmetric([Int.max / 2])), kind: .argument, why: "padding overflows the padded extent"),
        BadCase(input: [1, 1, 5], kernel: [1, 1, 3], options: .init(stride: [Int.max]), kind: .argument, why: "stride beyond the largest value"),
        BadCase(input: [1, 1, 5, 5], kernel: [1, 1, 3, 3], options: .init(padding: .symmetric([1 << 30])), kind: .argument, why: "output larger than memory"),
        BadCase(input: [1 << 30, 1 << 30, 5], kernel: [1, 1 << 30, 3], options: .init(), kind: .argument, why: "input larger than memory"),
    ]

    /// A padded extent of 2³¹: the choice of method must not hang searching for a fast FFT size
    /// (it used to step one by one), and the direct path is cheaper for three outputs.
    @Test func autoMethodOnHugePaddedExtentsAnswers() throws {
        let geometry = try ConvolutionGeometry(
            inputShape: [1, 1, 2], kernelShape: [1, 1, 3],
            options: .init(stride: [1 << 30], padding: .explicit(low: [(1 << 30) - 1], high: [(1 << 30) - 1])))
        #expect(geometry.paddedSize == [1 << 31])
        let planner = ConvolutionPlanner(rates: .shipped)
        #expect(planner.method(for: geometry, requested: .auto) == .direct)
        #expect(planner.estimatedSeconds(geometry).fft.isFinite)
    }

    @Test(arguments: badGeometries)
    func invalidShapesAndOptionsThrow(_ c: BadCase) throws {
        #expect(Self.kind(of: { _ = try ConvolutionOperator(inputShape: c.input, kernelShape: c.kernel, options: c.options) }) == c.kind)
        guard c.input.count == 3, c.kernel.count == 3, let count = SizeLimits.product(c.input), count < 10_000 else { return }
        let x = try Grid<3>(dims: c.input), k = try Grid<3>(dims: c.kernel)
        let conv = WeightedConvolution(options: c.options)
        #expect(Self.kind(of: { _ = try conv(x, weight: k) }) == c.kind)
        #expect(Self.kind(of: { _ = try conv.gradients(input: x, weight: k, gradOutput: x) }) == c.kind)
    }

    @Test func convolutionOnGridsRejectsBadArguments() throws {
        let x = Grid<4>.uniform(shape: [2, 3, 6, 6], seed: 1), k = Grid<4>.uniform(shape: [4, 3, 3, 3], seed: 2)
        let options = ConvolutionOptions(padding: .same, method: .direct)
        let gy = Grid<4>.uniform(shape: [2, 4, 6, 6], seed: 3)
        let conv = WeightedConvolution(options: options)
        #expect(Self.kind(of: { _ = try conv(x, weight: k, bias: [1, 2, 3]) }) == .shape)
        #expect(Self.kind(of: { _ = try conv.gradients(input: x, weight: k, gradOutput: x) }) == .shape)
        #expect(Self.kind(of: { _ = try WeightedConvolution(options: .init(method: .direct)).gradients(input: x, weight: k, gradOutput: gy) }) == .shape)
        var bad = x
        bad[[1, 2, 3, 4]] = .nan
        #expect(Self.kind(of: { _ = try conv(bad, weight: k) }) == .nonFinite)
        #expect(Self.kind(of: { _ = try conv.gradients(input: bad, weight: k, gradOutput: gy) }) == .nonFinite)
        var badKernel = k
        badKernel[[0, 0, 0, 0]] = .infinity
        #expect(Self.kind(of: { _ = try conv(x, weight: badKernel) }) == .nonFinite)
        #expect(Self.kind(of: { _ = try conv(x, weight: k, bias: [0, .nan, 0, 0]) }) == .nonFinite)
        var badGradient = gy
        badGradient[[0, 3, 5, 5]] = -.infinity
        #expect(Self.kind(of: { _ = try conv.gradients(input: x, weight: k, gradOutput: badGradient) }) == .nonFinite)
        #expect(Self.kind(of: { _ = try conv(x, weight: k, bias: [1, 2, 3, 4]) }) == nil)
    }

    /// The kind of ``ConvolutionError`` `body` throws, or `nil` when it returns.
    static func kind(of body: () throws -> Void) -> Kind? {
        do {
            try body()
            return nil
        } catch {
            guard let error = error as? ConvolutionError else { return nil }
            switch error {
            case .shapeMismatch: return .shape
            case .invalidArgument: return .argument
            case .nonFinite: return .nonFinite
            case .invalidDensity: return nil
            }
        }
    }
}
