import ArgumentParser
import GridCore
import WeightedConvolution

/// `wconv bench signal`: the signal API (`convolve`) on the large-kernel shapes, per mode and
/// method, with the path `.auto` picks; with `--against scipy` alternately with
/// `scripts/scipy-bench.py` (scipy.signal's `oaconvolve`, `fftconvolve` and
/// `convolve(method='auto')` on the same shapes and mode, the fastest of the three compared).
struct BenchSignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Signal convolution with large kernels, per mode and method (ms), optionally against scipy.")

    @OptionGroup var compute: ThreadOptions
    @OptionGroup var clock: BenchClockOptions
    @OptionGroup var timing: BenchRepeatOptions

    @OptionGroup var comparison: AnchorOptions<SciPyFramework>

    @Option(name: .customLong("mode"), help: "Modes to time: full, same, valid (repeatable).")
    var modes: [SignalMode] = [.same]

    @Option(name: .customLong("method"), help: "Methods to time: auto, direct, fft, overlap, measure (repeatable).")
    var methods: [ConvolutionMethod] = [.auto, .direct, .fft, .overlap]

    /// Signal and kernel extents of the timed shapes (scipy-bench.py times the same).
    static let shapes: [(signal: [Int], kernel: [Int])] = [([65536], [255]), ([512, 512], [31, 31]), ([64, 64, 64], [15, 15, 15])]

    func run() throws {
        try compute.apply()
        clock.apply()
        let anchor = comparison.anchor(), rounds = comparison.rounds
        // Keys: "signal|mode" for scipy's best (ms) and its name, "signal|mode|method" for ours.
        var ours: [String: [Double]] = [:], theirs: [String: [Double]] = [:], theirBest: [String: String] = [:]
        for round in 1...rounds {
            for mode in modes {
                if let anchor {
                    print("round \(round)/\(rounds), mode \(mode): scipy …")
                    // Rows: signal shape, "⊛", kernel shape, oaconvolve, fftconvolve, auto ms, fastest name, best ms.
                    let arguments = ["--threads", "\(ComputeThreads.count)", "--repeats", "\(timing.repeats)", "--mode", mode.rawValue]
                    for row in try anchor.tableRows(arguments) {
                        guard let best = row.fields.last.flatMap(Double.init) else { continue }
                        theirs["\(row.shape)|\(mode)", default: []].append(best)
                        theirBest["\(row.shape)|\(mode)"] = row.fields.dropLast().last
                    }
                }
                print("round \(round)/\(rounds), mode \(mode): WeightedConv …")
                for shape in Self.shapes {
                    for method in methods {
                        ours["\(shape.signal)|\(mode)|\(method)", default: []].append(
                            try Self.milliseconds(shape, mode, method, repeats: timing.repeats))
                    }
                }
            }
        }
        var table = [["signal ⊛ kernel", "mode", "method", "runs", "ours ms", "scipy best ms", "scipy / ours [range]"]]
        for mode in modes {
            for shape in Self.shapes {
                let anchorTimes = theirs["\(shape.signal)|\(mode)"] ?? []
                for method in methods {
                    let mine = ours["\(shape.signal)|\(mode)|\(method)"] ?? []
                    let runs = try Self.path(shape, mode, method)
                    var comparison = ["", ""]
                    if anchorTimes.count == mine.count {
                        let ratios = zip(anchorTimes, mine).map { $0 / $1 }.sorted()
                        let name = theirBest["\(shape.signal)|\(mode)"].map { " (\($0))" } ?? ""
                        comparison = [
                            BenchConvCommand.format(BenchConvCommand.median(anchorTimes), 2) + name,
                            "\(BenchConvCommand.format(BenchConvCommand.median(ratios), 2)) [\(BenchConvCommand.format(ratios.first!, 2))–\(BenchConvCommand.format(ratios.last!, 2))]",
                        ]
                    }
                    table.append([
                        "\(shape.signal) ⊛ \(shape.kernel)", mode.rawValue, method.rawValue, runs,
                        BenchConvCommand.format(BenchConvCommand.median(mine), 2),
                    ] + comparison)
                }
            }
        }
        print("\nconvolve(mode:), \(BenchClock.name), medians of \(rounds) rounds (best of \(timing.repeats) each); \"runs\": the path the method takes; ratio > 1: ours faster")
        BenchConvCommand.printTable(table)
        if anchor != nil && clock.cpuTime { print("(scipy is timed by the wall clock: with --cpu-time the ratio mixes clocks; use --threads 1)") }
    }

    /// The path `method` takes for `shape` in `mode`, with the block sizes of the blocked FFT path.
    static func path(_ shape: (signal: [Int], kernel: [Int]), _ mode: SignalMode, _ method: ConvolutionMethod) throws -> String {
        let op = try signalOperator(signal: shape.signal, kernel: shape.kernel, mode: mode, method: method)
        guard op.method == .overlap,
              let blocked = ConvolutionPlanner.shared.engine(for: op.geometry, method: .overlap) as? BlockedFFTConvolution
        else { return op.method.rawValue }
        return "overlap \(blocked.blockSize.map(String.init).joined(separator: "×"))"
    }

    /// The best time of `convolve(signal, kernel, mode:, method:)` in ms.
    static func milliseconds(_ shape: (signal: [Int], kernel: [Int]), _ mode: SignalMode, _ method: ConvolutionMethod,
                             repeats: Int) throws -> Double {
        func time<let N: Int>(_: Grid<N>.Type) throws -> Double {
            let a = Grid<N>.uniform(shape: InlineArray { shape.signal[$0] }, seed: 1)
            let b = Grid<N>.uniform(shape: InlineArray { shape.kernel[$0] }, seed: 2)
            var failure: (any Error)?
            let seconds = BenchConvCommand.bestTime(repeats: repeats) {
                do { _ = try convolve(a, b, mode: mode, method: method) } catch { failure = error }
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
