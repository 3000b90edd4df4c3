import ArgumentParser
import Datasets
import Foundation
import GridCore
import WeightedConvolution

/// `wconv conv`: weighted convolution of `.npy` files, forward and optionally backward.
///
/// The spatial rank comes from the input's rank (`[batch, channels, spatial…]`). This is the
/// contract outside tools use to check the library against other implementations.
struct ConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Weighted convolution y = conv(x, W ⊙ Φ) + b of .npy files, with optional gradients.",
        discussion: """
            Examples:
              wconv conv --input x.npy --weight w.npy --den 0.25,0.15,0.55 --padding same --output y.npy
              wconv conv --input x.npy --weight w.npy --den-per-axis "0.7;0.2,0.8" --stride 2,1 --output y.npy \\
                         --grad-output gy.npy --grad-input gx.npy --grad-weight gw.npy --grad-den gd.npy
            """)

    @OptionGroup var compute: ThreadOptions
    @Option(help: "Input [batch, channels, spatial…] (.npy, float32 or float64).") var input: String
    @Option(help: "Weight [out, in/groups, k…] (.npy).") var weight: String
    @Option(help: "Bias [out] (.npy).") var bias: String?
    @Option(parsing: .unconditional, help: OptionRanges.densityValue.help("Symmetric isotropic density, outermost first: d1,…,dn for kernels of size 2n+1; values"),
            transform: { try FloatList.densities($0, option: "--den") })
    var den: FloatList?
    @Option(parsing: .unconditional, help: OptionRanges.densityValue.help("Symmetric density per spatial axis, lists separated by ';' (e.g. \"0.7;0.2,0.8\" for 3×5); values"),
            transform: { try FloatListPerAxis.densities($0, option: "--den-per-axis") })
    var denPerAxis: FloatListPerAxis?
    @Option(parsing: .unconditional, help: OptionRanges.densityValue.help("Free (not necessarily symmetric) profile per axis, lists separated by ';'; values"),
            transform: { try FloatListPerAxis.densities($0, option: "--profile-per-axis") })
    var profilePerAxis: FloatListPerAxis?
    @Option(parsing: .unconditional, help: OptionRanges.gaussian.help("Radial Gaussian density exp(-|o|²/2σ²) with this σ"),
            transform: OptionRanges.gaussian.parse)
    var gaussian: Float?
    @Option(parsing: .unconditional, help: OptionRanges.stride.help("Stride: one value or one per spatial axis"),
            transform: OptionRanges.stride.parseIntegers)
    var stride = PerAxis(values: [1])
    @Option(parsing: .unconditional, help: OptionRanges.padding.help("Padding: 'same', one value, or one per spatial axis (before and after)"),
            transform: PaddingArgument.parse)
    var padding = PaddingArgument.symmetric([0])
    @Option(parsing: .unconditional, help: OptionRanges.dilation.help("Dilation: one value or one per spatial axis"),
            transform: OptionRanges.dilation.parseIntegers)
    var dilation = PerAxis(values: [1])
    @Option(parsing: .unconditional, help: OptionRanges.groups.help("Channel groups"), transform: OptionRanges.groups.parse) var groups = 1
    @Option(help: "Padding mode: zeros, reflect, replicate, circular.") var paddingMode = PaddingMode.zeros
    @Option(help: ArgumentHelp("Algorithm: \(ConvolutionMethod.summaries(ConvolutionMethod.allCases)).")) var method = ConvolutionMethod.auto
    @Option(help: "Where to write the output y (.npy, float32).") var output: String
    @Option(help: "∂L/∂y (.npy); required for any --grad-* output.") var gradOutput: String?
    @Option(help: "Where to write ∂L/∂x.") var gradInput: String?
    @Option(help: "Where to write ∂L/∂W.") var gradWeight: String?
    @Option(help: "Where to write ∂L/∂b.") var gradBias: String?
    @Option(help: "Where to write ∂L/∂den (density parameters).") var gradDen: String?

    func validate() throws {
        let densities = [den != nil, denPerAxis != nil, profilePerAxis != nil, gaussian != nil].filter { $0 }.count
        guard densities <= 1 else {
            throw ValidationError("give at most one of --den, --den-per-axis, --profile-per-axis, --gaussian")
        }
        let wantsGradients = [gradInput, gradWeight, gradBias, gradDen].contains { $0 != nil }
        if wantsGradients && gradOutput == nil {
            throw ValidationError("--grad-input/--grad-weight/--grad-bias/--grad-den need --grad-output")
        }
        if gradOutput != nil && !wantsGradients {
            throw ValidationError("--grad-output given but no --grad-* destination")
        }
        try DistinctFiles.check(inputs: [input, weight, bias, gradOutput].compactMap { $0 },
                                outputs: [output, gradInput, gradWeight, gradBias, gradDen].compactMap { $0 })
    }

    var density: Density {
        if let den { return .symmetric(den.values) }
        if let denPerAxis { return .symmetric(perAxis: denPerAxis.values) }
        if let profilePerAxis { return .profiles(perAxis: profilePerAxis.values) }
        if let gaussian { return .gaussian(sigma: gaussian) }
        return .uniform
    }

    func run() throws {
        try compute.apply()
        let x = try Npy.read(input)
        let w = try Npy.read(weight)
        let b = try bias.map { path throws(DataError) in try Npy.read(path) }
        if let b, b.shape.count != 1 { throw CommandFailure("bias must be 1-D, \(bias!) has shape \(b.shape)") }
        let options = ConvolutionOptions(
            stride: stride.values, padding: padding.padding, dilation: dilation.values, groups: groups,
            paddingMode: paddingMode, method: method)
        let conv = WeightedConvolution(density: density, options: options)
        for (name, array) in [("input", x), ("weight", w)] + (b.map { [("bias", $0)] } ?? []) {
            guard array.scalars.allSatisfy(\.isFinite) else { throw CommandFailure("\(name) holds NaN or infinity") }
        }
        let plan = try PreparedConvolution(
            conv, inputShape: x.shape, weight: w.scalars, weightShape: w.shape, biasCount: b?.scalars.count)
        let y = x.scalars.withUnsafeBufferPointer { xs in
            guard let b else { return plan.forward(input: xs, bias: nil) }
            return b.scalars.withUnsafeBufferPointer { plan.forward(input: xs, bias: $0) }
        }
        try Self.requireFinite(y, "the output")
        try Npy.write(y, shape: plan.outputShape, to: output)
        guard let gradOutput else { return }
        let gy = try Npy.read(gradOutput)
        guard gy.shape == plan.outputShape else {
            throw CommandFailure("--grad-output has shape \(gy.shape), the output has \(plan.outputShape)")
        }
        guard gy.scalars.allSatisfy(\.isFinite) else { throw CommandFailure("output gradient holds NaN or infinity") }
        let g = x.scalars.withUnsafeBufferPointer { xs in
            gy.scalars.withUnsafeBufferPointer { plan.backward(input: xs, gradOutput: $0, computeInputGradient: gradInput != nil) }
        }
        for (name, values) in [("∂L/∂x", g.input ?? []), ("∂L/∂W", g.weight), ("∂L/∂b", g.bias), ("∂L/∂den", g.density)] {
            try Self.requireFinite(values, name)
        }
        if let gradInput, let values = g.input { try Npy.write(values, shape: x.shape, to: gradInput) }
        if let gradWeight { try Npy.write(g.weight, shape: w.shape, to: gradWeight) }
        if let gradBias { try Npy.write(g.bias, shape: [g.bias.count], to: gradBias) }
        if let gradDen { try Npy.write(g.density, shape: [g.density.count], to: gradDen) }
    }

    /// Throws unless every value of `values` is finite: finite inputs can still overflow `Float`
    /// (large densities, weights or inputs), and such an output is not written.
    private static func requireFinite(_ values: [Float], _ name: String) throws {
        guard let index = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw CommandFailure("\(name) holds \(values[index]) at index \(index): the products of input, weight and density overflow Float; "
            + "nothing was written for it (scale the input, weights or density down)")
    }
}
