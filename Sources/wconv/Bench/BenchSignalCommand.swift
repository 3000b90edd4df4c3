import ArgumentParser
import GridCore
import WeightedConvolution

/// `wconv bench signal`: the signal API (`convolve`, mode `same`) on the large-kernel shapes,
/// per method, and with `--against scipy` alternately with `scripts/scipy-bench.py`
/// (scipy.signal's `oaconvolve`, `fftconvolve` and `convolve(method='auto')` on the same shapes).
struct BenchSignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Signal convolution with large kernels, per method (ms), optionally against scipy.")

    @OptionGroup var compute: ThreadOptions
    @Option(help: "Timed runs per figure (the best is reported).")
    var repeats = 5

    @OptionGroup var comparison: AnchorOptions<SciPyFramework>

    /// Signal and kernel extents of the timed shapes (scipy-bench.py times the same).
    static let shapes: [(signal: [Int], kernel: [Int])] = [([65536], [255]), ([512, 512], [31, 31]), ([64, 64, 64], [15, 15, 15])]
    static let methods: [ConvolutionMethod] = [.auto, .direct, .fft]

    func run() throws {
        try compute.apply()
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
        let anchor = comparison.anchor(), rounds = comparison.rounds
        var ours: [String: [Double]] = [:], theirs: [String: [Double]] = [:]
        for round in 1...rounds {
            if let anchor {
                print("round \(round)/\(rounds): scipy …")
                // Rows: signal shape, "⊛", kernel shape, then oaconvolve, fftconvolve, auto and best ms.
                for row in try anchor.tableRows(["--threads", "\(ComputeThreads.count)", "--repeats", "\(repeats)"]) {
                    if let best = row.fields.last.flatMap(Double.init) { theirs["\(row.shape)", default: []].append(best) }
                }
            }
            print("round \(round)/\(rounds): WeightedConv …")
            for shape in Self.shapes {
                for method in Self.methods {
                    ours["\(shape.signal)|\(method)", default: []].append(try Self.milliseconds(shape, method, repeats: repeats))
                }
            }
        }
        var table = [["signal ⊛ kernel", "method", "ours ms", "scipy best ms", "scipy / ours [range]"]]
        for shape in Self.shapes {
            let anchorTimes = theirs["\(shape.signal)"] ?? []
            for method in Self.methods {
                let mine = ours["\(shape.signal)|\(method)"] ?? []
                var comparison = ["", ""]
                if anchorTimes.count == mine.count {
                    let ratios = zip(anchorTimes, mine).map { $0 / $1 }.sorted()
                    comparison = [
                        BenchConvCommand.format(BenchConvCommand.median(anchorTimes), 2),
                        "\(BenchConvCommand.format(BenchConvCommand.median(ratios), 2)) [\(BenchConvCommand.format(ratios.first!, 2))–\(BenchConvCommand.format(ratios.last!, 2))]",
                    ]
                }
                table.append(["\(shape.signal) ⊛ \(shape.kernel)", method.rawValue, BenchConvCommand.format(BenchConvCommand.median(mine), 2)] + comparison)
            }
        }
        print("\nconvolve(mode: .same), medians of \(rounds) rounds (best of \(repeats) each); ratio > 1: ours faster")
        BenchConvCommand.printTable(table)
    }

    /// The best time of `convolve(signal, kernel, mode: .same, method:)` in ms.
    static func milliseconds(_ shape: (signal: [Int], kernel: [Int]), _ method: ConvolutionMethod, repeats: Int) throws -> Double {
        func time<let N: Int>(_: Grid<N>.Type) throws -> Double {
            let a = Grid<N>.uniform(shape: InlineArray { shape.signal[$0] }, seed: 1)
            let b = Grid<N>.uniform(shape: InlineArray { shape.kernel[$0] }, seed: 2)
            var failure: (any Error)?
            let seconds = BenchConvCommand.bestTime(repeats: repeats) {
                do { _ = try convolve(a, b, mode: .same, method: method) } catch { failure = error }
            }
            if let failure { throw failure }
            return 1000 * seconds
        }
        switch shape.signal.count {
        case 1: return try time(Grid<1>.self)
        case 2: return try time(Grid<2>.self)
        default: return try time(Grid<3>.self)
        }
    }
}
