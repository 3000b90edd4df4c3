import ArgumentParser
import GridCore
import Models
import NeuralNetwork
import Training
import WeightedConvolution

/// `wconv bench train`: samples (images, series, volumes) per second of one training step (forward, loss,
/// backward, AdamW step) of the paper's models, the series FCN and the 3-D DnCNN, standard vs
/// weighted, with peak memory.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training-step throughput of VGG-16, ResNet-18, DnCNN, NAFNet, the series FCN and the 3-D DnCNN.")

    @OptionGroup var compute: ThreadOptions
    @OptionGroup var clock: BenchClockOptions
    @Option(parsing: .unconditional, help: OptionRanges.steps.help("Timed steps of each kind (standard, weighted) per model"),
            transform: OptionRanges.steps.parse)
    var steps = 10
    @Option(help: "Models to time (repeatable): \(Self.names.joined(separator: ", ")).") var model: [String] = Self.names

    @OptionGroup var comparison: AnchorOptions<PyTorchFramework>

    @Flag(help: "Print where the steps' time goes: per phase (forward, backward, optimizer) and op, standard and weighted.")
    var profile = false

    @Option(help: ArgumentHelp(
        "Print the peak memory of a few training steps of the one --model with this convolution (standard or weighted), then exit.",
        visibility: .hidden))
    var peakMemoryOf: String?

    /// One benchmark case: a model builder, its input shape and the loss.
    struct Case: Sendable {
        let name: String, shape: [Int]
        let build: @Sendable (ConvolutionKind) -> any Module
        let classification: Bool
    }

    static let cases: [String: Case] = [
        "vgg16": Case(name: "VGG-16 bn, CIFAR 32×32, batch 64", shape: [64, 3, 32, 32], build: {
            VGG(VGG.vgg16, inputChannels: 3, inputSize: 32, classes: 100, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: true),
        "resnet18": Case(name: "ResNet-18, CIFAR 32×32, batch 64", shape: [64, 3, 32, 32], build: {
            ResNet.resnet18(inputChannels: 3, classes: 100, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: true),
        "dncnn": Case(name: "DnCNN 17×64, 64×64 grey, batch 16", shape: [16, 1, 64, 64], build: {
            DnCNN(channels: 1, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: false),
        "nafnet": Case(name: "NAFNet w16 [1,1]+1, 64×64 RGB, batch 16", shape: [16, 3, 64, 64], build: {
            NAFNet(channels: 3, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: false),
        "fcn1d": Case(name: "FCN 128-256-128 (7,5,3), series of 512, batch 64", shape: [64, 1, 512], build: {
            SeriesFCN(inputChannels: 1, classes: 100, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: true),
        "dncnn3d": Case(name: "DnCNN 3-D 8×32, 24³ grey, batch 4", shape: [4, 1, 24, 24, 24], build: {
            DnCNN(channels: 1, depth: 8, width: 32, spatialRank: 3, factory: ConvolutionFactory(kind: $0, seed: 1))
        }, classification: false),
    ]

    /// The models of ``cases`` in the order they are timed.
    static let names = ["vgg16", "resnet18", "dncnn", "nafnet", "fcn1d", "dncnn3d"]

    /// Checks the model names and `--peak-memory-of` before any work starts.
    func validate() throws {
        for name in model where Self.cases[name] == nil {
            throw ValidationError("--model takes \(Self.names.joined(separator: ", ")), got '\(name)'")
        }
        if let kind = peakMemoryOf { _ = try Self.kind(named: kind) }
    }

    func run() throws {
        try compute.apply()
        clock.apply()
        print("timed by the \(BenchClock.name)")
        print("\(BLASKernels.description), threads: \(ComputeThreads.count)")
        print(BenchPeakCommand.activePeak().line)
        print("\(steps) timed steps of each kind after \(Self.warmUpSteps) warm-up steps, in pairs of a standard and a weighted step (each first in every other pair); "
              + "median step time; weighted vs standard: median and quartiles of the paired ratios")
        let cases = try model.map { name in
            guard let c = Self.cases[name] else { throw CommandFailure("unknown model \(name) (\(Self.names.joined(separator: ", ")))") }
            return (name, c)
        }
        if let kind = peakMemoryOf { return try printPeakMemory(cases, kind: kind) }
        if profile { return try printProfiles(cases) }
        if let anchor = comparison.anchor() { return try compareAgainstPyTorch(anchor, cases: cases) }
        var rows = [["model", "conv", "step ms", "samples/s", "weighted vs standard", "peak MiB", "cached MiB (engines + scratch)"]]
        for (_, c) in cases {
            let measured = try measure(c)
            for (kind, median) in [("standard", measured.standard), ("weighted", measured.weighted)] {
                rows.append([c.name, kind, String(format: "%.1f", 1000 * median), String(format: "%.1f", Double(c.shape[0]) / median),
                             kind == "standard" ? "" : measured.spread, String(format: "%.0f", peakMemoryMiB()), Self.cachedMiB()])
            }
        }
        Self.printRows(rows)
    }

    /// Median step times of the standard and weighted model (steps alternating after warm-up), and
    /// the median and quartiles of the paired weighted / standard ratios, as text.
    func measure(_ c: Case) throws -> (standard: Double, weighted: Double, spread: String) {
        let standard = try StepRunner(c, kind: try Self.kind(named: "standard"))
        let weighted = try StepRunner(c, kind: try Self.kind(named: "weighted"))
        for _ in 0..<Self.warmUpSteps { _ = try standard.step(); _ = try weighted.step() }
        var times: (standard: [Double], weighted: [Double]) = ([], [])
        try Self.pairSteps(steps) { times.standard.append(try standard.step()) } weighted: { times.weighted.append(try weighted.step()) }
        let ratios = zip(times.weighted, times.standard).map { 100 * ($0 / $1 - 1) }.sorted()
        let spread = String(format: "%+.1f %% [%+.1f, %+.1f]", Self.quantile(ratios, 0.5), Self.quantile(ratios, 0.25),
                            Self.quantile(ratios, 0.75))
        return (Self.quantile(times.standard.sorted(), 0.5), Self.quantile(times.weighted.sorted(), 0.5), spread)
    }

    /// Runs `count` pairs of a standard and a weighted step, the standard one first in even pairs
    /// and second in odd ones, so that neither kind gains from its place in the pair (the step
    /// after another model's step runs on caches and heap that step left).
    static func pairSteps(_ count: Int, standard: () throws -> Void, weighted: () throws -> Void) rethrows {
        for pair in 0..<count {
            if pair % 2 == 0 { try standard() }
            try weighted()
            if pair % 2 == 1 { try standard() }
        }
    }

    /// Prints `rows` as columns: the first two left-aligned, the rest right-aligned.
    static func printRows(_ rows: [[String]]) {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { i, cell in
                i < 2 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  "))
        }
    }

    /// The prepared engines and idle scratch buffers kept now (`ConvolutionMemory`), in MiB;
    /// below the workspace limit, every step reuses its buffers.
    static func cachedMiB() -> String {
        let kept = ConvolutionMemory.retainedBytes
        return String(format: "%.0f + %.0f", Double(kept.engines) / 1_048_576, Double(kept.workspace) / 1_048_576)
    }

    /// Untimed steps of each model before the timed ones (allocations, plans, caches).
    static let warmUpSteps = 2

    /// The `q`-quantile of sorted `values` (linear interpolation).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = q * Double(values.count - 1)
        let low = Int(position), high = Swift.min(low + 1, values.count - 1)
        return values[low] + (position - Double(low)) * (values[high] - values[low])
    }

    /// One model, its optimiser and a fixed batch: a training step (forward, loss, backward,
    /// AdamW step) on demand.
    final class StepRunner {
        let model: any Module, optimizer: Optimizer, input: Tensor, labels: [Int], classification: Bool

        init(_ c: Case, kind: ConvolutionKind) throws {
            model = c.build(kind)
            optimizer = Optimizer(model.namedParameters(), rule: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                  groups: [.weights: .init(learningRate: 1e-4), .noDecay: .init(learningRate: 1e-4),
                                           .densities: .init(learningRate: 1e-2)])
            input = Initialization.normal(shape: c.shape, standardDeviation: 1, seed: 2)
            labels = (0..<c.shape[0]).map { $0 % 100 }
            classification = c.classification
        }

        /// Runs one step and returns its time in seconds (``BenchClock``).
        /// - Parameter profile: records the step's laps when given (zeroing the gradients is
        ///   phase `other`).
        func step(profile: StepProfile? = nil) throws -> Double {
            try BenchClock.seconds {
                guard let profile else { return try run(nil) }
                try profile.recording {
                    profile.restart()
                    try run(profile)
                }
            }
        }

        private func run(_ profile: StepProfile?) throws {
            model.zeroGradients()
            profile?.lap("zero gradients", .other)
            let output = try model(Variable(input))
            let loss = classification ? try Loss.crossEntropy(output, labels: labels) : try Loss.meanSquaredError(output, target: input)
            loss.backward()
            optimizer.step()
        }
    }
}
