import GridCore


extension BenchConvCommand {
    /// Runs PyTorch's conv table and ours alternately, `rounds` times, and prints per shape and
    /// method the median GFLOP/s of each side and the median of the per-round ratios with their
    /// range (each ratio pairs runs made a minute apart, so that the machine's drift cancels),
    /// and our medians as fractions of the FMA peak. The script gets every layer on its command
    /// line (`--shape`, ``BenchShape/spec``) and echoes it in its rows, so both sides run the
    /// same layers.
    func compareAgainstPyTorch(
        _ anchor: PythonAnchor, shapes: [BenchShape], methods: [BenchMethod], rounds: Int, ceilings: Ceilings
    ) throws {
        var ours: [String: [(Double, Double)]] = [:], theirs: [String: [(Double, Double)]] = [:]
        for round in 1...rounds {
            print("round \(round)/\(rounds): PyTorch (\(anchor.python) \(anchor.script) conv) …")
            // Rows: input shape, the layer's spec, forward and forward+backward GFLOP/s.
            let arguments = ["conv", "--threads", "\(ComputeThreads.count)"] + shapes.flatMap { ["--shape", $0.spec] }
            for row in try anchor.tableRows(arguments) {
                guard row.fields.count == 3, let forward = Double(row.fields[1]), let both = Double(row.fields[2]),
                      let shape = shapes.first(where: { $0.spec == row.fields[0] })
                else { continue }
                theirs[shape.name, default: []].append((forward, both))
            }
            print("round \(round)/\(rounds): WeightedConv …")
            for shape in shapes {
                let flops = try shape.forwardFlops()
                for method in methods {
                    let (_, times) = try Self.row(shape: shape, method: method, repeats: timing.repeats, ceilings: ceilings)
                    ours["\(shape.name)|\(method.name)", default: []].append((flops / times.0 / 1e9, 3 * flops / times.1 / 1e9))
                }
            }
        }
        var table: [[String]] = [[
            "shape", "method", "ours fwd", "/peak", "PyTorch fwd", "ratio fwd [range]", "ours fwd+bwd", "/peak",
            "PyTorch fwd+bwd", "ratio fwd+bwd [range]",
        ]]
        for shape in shapes {
            guard let anchor = theirs[shape.name], anchor.count == rounds else { continue }
            for method in methods {
                let mine = ours["\(shape.name)|\(method.name)"] ?? []
                func columns(_ side: (Double, Double) -> Double) -> [String] {
                    let ratios = zip(mine, anchor).map { side($0.0.0, $0.0.1) / side($0.1.0, $0.1.1) }.sorted()
                    let median = Self.median(mine.map { side($0.0, $0.1) })
                    return [
                        Self.format(median, 1), Self.format(median / ceilings.peak, 2),
                        Self.format(Self.median(anchor.map { side($0.0, $0.1) }), 1),
                        "\(Self.format(Self.median(ratios), 2)) [\(Self.format(ratios.first!, 2))–\(Self.format(ratios.last!, 2))]",
                    ]
                }
                table.append([shape.name, method.name] + columns { f, _ in f } + columns { _, b in b })
            }
        }
        print("\nGFLOP/s (direct FLOPs), medians of \(rounds) alternating rounds; ratio = ours / PyTorch per round; /peak: ours / FMA peak")
        Self.printTable(table)
    }

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), n = sorted.count
        guard n > 0 else { return .nan }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
