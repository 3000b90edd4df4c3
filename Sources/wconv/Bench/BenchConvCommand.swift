import ArgumentParser
import GridCore
import WeightedConvolution

/// `wconv bench conv`: time of the convolution paths on typical network shapes, in ms and
/// GFLOP/s, next to the speed of one large SGEMM (the ceiling of a matrix-product method) and
/// the processor's FMA peak at the active instruction-set tier (the ceiling of any method).
///
/// A forward pass counts `2·B·Cout·(Cin/g)·∏k·∏y` flops (`y` the output extents, after the
/// stride), forward + backward (input and kernel gradients) three times that. Each figure is the
/// best of several timed runs after a warm-up. `--shapes` picks the layers: the targets' six
/// (default), every distinct layer of VGG-16 or of ResNet-18 on 32×32 inputs at a batch of 64, or
/// all of them; `--list` prints them without timing.
struct BenchConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv", abstract: "Convolution speed per method on typical shapes (GFLOP/s).")

    @OptionGroup var compute: ThreadOptions
    @OptionGroup var clock: BenchClockOptions
    @OptionGroup var timing: BenchRepeatOptions

    @Flag(help: "Also time every threading and chunking variant of the direct engine.")
    var variants = false

    @Option(help: ArgumentHelp(
        "Layers to time: default (the six of the speed targets), vgg16 or resnet18 (every distinct 3x3 and 1x1 layer of the network on 32x32 inputs, batch 64, as bench train builds it: VGG-16 3→64 to 512→512 on 2x2, ResNet-18 with its 3x3 and 1x1 stride-2 layers), or all.",
        valueName: BenchShapeSet.allCases.map(\.rawValue).joined(separator: "|")))
    var shapes: BenchShapeSet = .standard

    @Flag(help: "Print the layers --shapes selects (shape, PyTorch spec, kernel, output, forward flops) and time nothing.")
    var list = false

    @Flag(help: "Also time a single large image, depthwise and pointwise shapes.")
    var extra = false

    @Option(name: .customLong("method"), help: "Operator method to time (repeatable: --method direct --method fft).")
    var methods: [ConvolutionMethod] = [.direct]

    @Flag(help: "Skip the large-kernel table (direct vs FFT vs auto).")
    var skipLargeKernels = false

    @Option(help: "Time only the shapes whose name contains this text, e.g. \"[16,64,64,64] 3x3\".")
    var only: String?

    @OptionGroup var comparison: AnchorOptions<PyTorchFramework>

    func run() throws {
        if list { return try Self.printList(selected(shapes.shapes + (extra ? BenchShape.extra : []))) }
        try compute.apply()
        clock.apply()
        print("timed by the \(BenchClock.name)")
        let rates = MatrixProductKernel.allCases.filter(\.isAvailable).map { ($0, Self.sgemmGFlops(size: 2048, repeats: 8, kernel: $0)) }
        let sgemm = rates.map(\.1).max() ?? 1
        let listed = rates.map { "\($0.0.rawValue) \(Self.format($0.1, 1))" }.joined(separator: ", ")
        print("\(MatrixProductKernel.description), threads: \(ComputeThreads.count)")
        print("SGEMM 2048³, GFLOP/s: \(listed); the /sgemm columns divide by the faster")
        let (peak, peakLine) = BenchPeakCommand.activePeak()
        print(peakLine + "; the /peak columns divide by it")
        print("planner rates (.auto): \(ConvolutionPlanner.shared.ratesOrigin) (wconv bench calibrate --show)\n")
        let ceilings = Ceilings(sgemm: sgemm, peak: peak.gflops)
        if let anchor = comparison.anchor() {
            return try compareAgainstPyTorch(
                anchor, shapes: selected(shapes.shapes), methods: self.methods.map(BenchMethod.convolution),
                rounds: comparison.rounds, ceilings: ceilings)
        }
        var methods = self.methods.map(BenchMethod.convolution)
        if variants { methods += BenchMethod.directVariants }
        methods += [BenchMethod.layer(weighted: false), BenchMethod.layer(weighted: true)]
        print("Network layers: operator paths, and the layer API (W ⊙ Φ folded in, ∂den computed) standard vs weighted")
        try printRows(selected(shapes.shapes + (extra ? BenchShape.extra : [])), methods: methods, ceilings: ceilings)
        guard !skipLargeKernels else { return }
        print("\nLarge kernels, single channel, same padding: direct vs FFT, and what .auto picks")
        try printRows(
            selected(BenchShape.largeKernels), methods: [.convolution(.direct), .convolution(.fft), .automatic], ceilings: ceilings)
    }

    /// The shapes `--only` selects (all without it).
    private func selected(_ shapes: [BenchShape]) -> [BenchShape] {
        guard let only else { return shapes }
        return shapes.filter { $0.name.contains(only) }
    }

    /// Prints each of `shapes` with its spec for the PyTorch script, kernel and output shapes and
    /// forward flops, one line each (the first four fields are what `scripts/conv_shape.py`
    /// prints for the spec).
    static func printList(_ shapes: [BenchShape]) throws {
        var table = [["spec", "kernel", "output", "forward flops", "shape"]]
        for shape in shapes {
            let g = try shape.geometry()
            let text = { (values: [Int]) in "[\(values.map(String.init).joined(separator: ","))]" }
            table.append([shape.spec, text(g.kernelShape), text(g.outputShape), "\(Int(g.forwardFlops))", shape.name])
        }
        for row in table { print(row.joined(separator: "  ")) }
    }

    /// Times every method on every shape and prints one table; weighted-layer rows also show
    /// their time relative to the standard layer on the same shape.
    private func printRows(_ shapes: [BenchShape], methods: [BenchMethod], ceilings: Ceilings) throws {
        var table: [[String]] = [[
            "shape", "method", "fwd ms", "fwd GFLOP/s", "fwd/sgemm", "fwd/peak", "fwd+bwd ms", "fwd+bwd GFLOP/s",
            "fwd+bwd/sgemm", "fwd+bwd/peak", "vs standard layer",
        ]]
        for shape in shapes {
            var standardTimes: (Double, Double)?
            for method in methods {
                let (row, times) = try Self.row(shape: shape, method: method, repeats: timing.repeats, ceilings: ceilings)
                var ratio = ""
                if method.name == BenchMethod.layer(weighted: false).name { standardTimes = times }
                if method.name == BenchMethod.layer(weighted: true).name, let standardTimes {
                    ratio = "fwd \(Self.format(100 * (times.0 / standardTimes.0 - 1), 1))%, fwd+bwd \(Self.format(100 * (times.1 / standardTimes.1 - 1), 1))%"
                }
                table.append(row + [ratio])
            }
        }
        Self.printTable(table)
    }

    /// One row of the table (`method` timed on `shape`) and its forward and forward+backward seconds.
    static func row(shape: BenchShape, method: BenchMethod, repeats: Int, ceilings: Ceilings) throws -> ([String], (Double, Double)) {
        let run = try method.prepare(shape)
        let flops = try shape.forwardFlops()
        let forward = bestTime(repeats: repeats, run.forward)
        let both = bestTime(repeats: repeats, run.forwardBackward)
        let forwardRate = flops / forward / 1e9, bothRate = 3 * flops / both / 1e9
        return ([
            shape.name, run.label ?? method.name,
            format(forward * 1e3, 2), format(forwardRate, 1), format(forwardRate / ceilings.sgemm, 2),
            format(forwardRate / ceilings.peak, 2), format(both * 1e3, 2), format(bothRate, 1),
            format(bothRate / ceilings.sgemm, 2), format(bothRate / ceilings.peak, 2),
        ], (forward, both))
    }

    /// The rates a GFLOP/s figure is divided by: the faster SGEMM's and the FMA peak's.
    struct Ceilings {
        let sgemm: Double, peak: Double
    }

    /// The shortest of `repeats` timed calls of `body`, in seconds, after one untimed call.
    static func bestTime(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<Swift.max(1, repeats) { best = Swift.min(best, BenchClock.seconds(body)) }
        return best
    }

    /// GFLOP/s of `C = A·B` on `size × size` matrices with `kernel` on `ComputeThreads.count`
    /// threads (OpenBLAS: its own thread count, set to the same).
    static func sgemmGFlops(size: Int, repeats: Int, kernel: MatrixProductKernel) -> Double {
        let a = [Float](repeating: 0.5, count: size * size), b = a
        var c = [Float](repeating: 0, count: size * size)
        let seconds = bestTime(repeats: repeats) {
            c.withUnsafeMutableBufferPointer { c in
                kernel.multiply(
                    transposingA: false, transposingB: false, m: size, n: size, k: size, a: a, lda: size, b: b,
                    ldb: size, beta: 0, c: c.baseAddress!, ldc: size, threads: ComputeThreads.count)
            }
        }
        return 2 * Double(size * size * size) / seconds / 1e9
    }

    /// `value` rounded to `decimals` places, with trailing zeros kept (`2.50`).
    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        let text = "\(rounded)"
        guard let dot = text.firstIndex(of: ".") else { return text }
        let fraction = text[text.index(after: dot)...]
        return decimals == 0 ? String(text[..<dot]) : text + String(repeating: "0", count: Swift.max(0, decimals - fraction.count))
    }

    /// Prints `rows` as aligned columns: the first two left-aligned, the numbers right-aligned.
    static func printTable(_ rows: [[String]]) {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.indices.map { column in
                let pad = String(repeating: " ", count: widths[column] - row[column].count)
                return column < 2 ? row[column] + pad : pad + row[column]
            }
            print(cells.joined(separator: "  "))
        }
    }
}

/// A way of computing a convolution: prepares buffers for a shape and returns the timed closures.
struct BenchMethod {
    /// The closures timed for one shape.
    struct Run {
        let forward: () -> Void
        let forwardBackward: () -> Void
        /// A label replacing the method's name for this shape (e.g. what `.auto` picked).
        var label: String? = nil
    }

    /// The label in the table's method column.
    let name: String
    /// Allocates the buffers for a shape and returns the closures to time.
    let prepare: (BenchShape) throws -> Run

    /// The public operator with the given method.
    static func convolution(_ method: ConvolutionMethod) -> BenchMethod {
        BenchMethod(name: method.rawValue) { shape in
            var options = shape.options
            options.method = method
            let op = try ConvolutionOperator(inputShape: shape.input, kernelShape: shape.kernel, options: options)
            return run(geometry: op.geometry) { x, k, y in
                op.forward(input: x, kernel: k, bias: nil, output: y)
            } backward: { x, k, gy, gx, gk in
                op.backward(input: x, kernel: k, gradOutput: gy, gradInput: gx, gradKernel: gk, gradBias: nil)
            }
        }
    }

    /// The operator with `.auto`, labelled with the method it picked.
    static var automatic: BenchMethod { BenchMethod(name: "auto") { shape in
        var options = shape.options
        options.method = .auto
        let op = try ConvolutionOperator(inputShape: shape.input, kernelShape: shape.kernel, options: options)
        var run = try convolution(op.method).prepare(shape)
        run.label = "auto → \(op.method)"
        return run
    } }

    /// The weighted-convolution layer API (a `PreparedConvolution` made per pass: shapes checked,
    /// `Φ` folded into the kernel, the output allocated, `∂den` computed in the backward pass) with
    /// a uniform (standard) or symmetric density. A 1×1 kernel has no density to weight (the
    /// networks keep their 1×1 projections standard, as the PyTorch script does): its weighted
    /// row times the standard layer and says so.
    static func layer(weighted: Bool) -> BenchMethod {
        BenchMethod(name: weighted ? "weighted layer" : "standard layer") { shape in
            let size = shape.kernelSize
            let density: Density = weighted && size > 1 ? .symmetric([Float](repeating: 0.5, count: size / 2)) : .uniform
            let conv = WeightedConvolution(density: density, options: shape.options)
            let geometry = try shape.geometry()
            let plan = { (k: [Float]) in
                try PreparedConvolution(conv, inputShape: shape.input, weight: k, weightShape: shape.kernel)
            }
            _ = try plan([Float](repeating: 0, count: shape.kernel.reduce(1, *)))
            var run = run(geometry: geometry) { x, k, _ in
                _ = try? plan(Array(k)).forward(input: x, bias: nil)
            } backward: { x, k, gy, _, _ in
                _ = try? plan(Array(k)).backward(input: x, gradOutput: gy)
            }
            if weighted && size == 1 { run.label = "weighted layer (1x1: standard)" }
            return run
        }
    }

    /// The direct engine with each threading policy, with and without image chunking, and with
    /// OpenBLAS running its matrix products (the fallback on processors without AVX-512).
    static var directVariants: [BenchMethod] {
        let policies = DirectConvolution.Threading.allCases.flatMap { threading in
            [nil, 1].map { (chunk: Int?) in
                direct("direct \(threading)\(chunk == nil ? "" : " chunk1")", threading: threading, chunk: chunk)
            }
        }
        let fallback = MatrixProductKernel.preferred == .openBLAS
            ? [] : [direct("direct OpenBLAS", threading: .automatic, chunk: nil, products: .openBLAS)]
        return policies + fallback
    }

    private static func direct(
        _ name: String, threading: DirectConvolution.Threading, chunk: Int?, products: MatrixProductKernel = .preferred
    ) -> BenchMethod {
        BenchMethod(name: name) { shape in
            let geometry = try shape.geometry()
            let engine = DirectConvolution(geometry: geometry, threading: threading, matrixProducts: products, imagesPerChunk: chunk)
            return run(geometry: geometry) { x, k, y in
                engine.forward(input: x, kernel: k, output: y)
            } backward: { x, k, gy, gx, gk in
                engine.backward(input: x, kernel: k, gradOutput: gy, gradInput: gx, gradKernel: gk)
            }
        }
    }

    /// Closures running `forward`, and `forward` then `backward`, on seeded random buffers.
    static func run(
        geometry: ConvolutionGeometry,
        forward: @escaping (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void,
        backward: @escaping (
            UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>,
            UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>
        ) -> Void
    ) -> Run {
        var generator = SeededGenerator(seed: 1)
        let random = { (count: Int) in UnsafeBufferPointer(BenchMethod.filled(count) { 2 * generator.nextUnitFloat() - 1 }) }
        let x = random(geometry.inputShape.reduce(1, *)), k = random(geometry.kernelShape.reduce(1, *))
        let gy = random(geometry.outputShape.reduce(1, *))
        let y = filled(gy.count) { 0 }, gx = filled(x.count) { 0 }, gk = filled(k.count) { 0 }
        return Run(
            forward: { forward(x, k, y) },
            forwardBackward: {
                forward(x, k, y)
                backward(x, k, gy, gx, gk)
            })
    }

    /// A buffer that lives for the rest of the process (benchmarks run once, then exit).
    static func filled(_ count: Int, _ value: () -> Float) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        for i in 0..<count { buffer[i] = value() }
        return buffer
    }
}
