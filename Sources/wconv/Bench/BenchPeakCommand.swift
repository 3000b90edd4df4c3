import ArgumentParser
import GridCore
import WeightedConvolution

/// `wconv bench peak`: the processor's multiply-add peak per instruction-set tier, on one
/// thread and on the threads used (a register-only loop; see `FMAPeak`), and the tier the
/// kernels run.
struct BenchPeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "The processor's FMA peak per instruction set (GFLOP/s), and the tier the kernels run.")

    @OptionGroup var compute: ThreadOptions
    @OptionGroup var clock: BenchClockOptions

    @Option(parsing: .unconditional, help: OptionRanges.peakSeconds.help("Seconds each figure is timed for"), transform: OptionRanges.peakSeconds.parse)
    var seconds = 0.3

    func run() throws {
        try compute.apply()
        clock.apply()
        print(InstructionSet.description)
        let threads = ComputeThreads.count
        var rows = [["tier", "vectors", "1 thread GFLOP/s", "\(threads) threads GFLOP/s"]]
        for tier in InstructionSet.allCases.reversed() where tier <= InstructionSet.supported {
            let one = FMAPeak.measure(tier: tier, threads: 1, seconds: seconds, clock: { BenchClock.seconds($0) })
            let all = threads == 1 ? one : FMAPeak.measure(tier: tier, threads: threads, seconds: seconds, clock: { BenchClock.seconds($0) })
            rows.append([tier.name + (tier == InstructionSet.active ? " (active)" : ""), Self.vectors[tier] ?? "",
                         BenchConvCommand.format(one.gflops, 1), BenchConvCommand.format(all.gflops, 1)])
        }
        print("FMA peak: independent multiply-adds in registers (fused where the tier has FMA), \(BenchClock.name), \(seconds) s per figure")
        BenchConvCommand.printTable(rows)
    }

    /// What each tier's loop runs.
    private static let vectors: [InstructionSet: String] = [
        .avx512: "16 floats, FMA", .avx2: "8 floats, FMA", .portable: "4 floats, multiply + add",
    ]

    /// The peak of the active tier on `ComputeThreads.count` threads, measured briefly on the
    /// benchmarks' clock (so that a GFLOP/s figure timed by the same clock divides by it), and
    /// the line the other benchmarks print about it.
    static func activePeak() -> (peak: FMAPeak, line: String) {
        let peak = FMAPeak.measure(
            tier: InstructionSet.active, threads: ComputeThreads.count, seconds: 0.2, clock: { BenchClock.seconds($0) })
        let line = "\(InstructionSet.description); FMA peak \(BenchConvCommand.format(peak.gflops, 1)) GFLOP/s on \(peak.threads) thread\(peak.threads == 1 ? "" : "s") (wconv bench peak)"
        return (peak, line)
    }
}
