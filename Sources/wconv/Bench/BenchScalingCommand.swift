import ArgumentParser
import Communication
import Datasets
import Foundation
import GridCore
import NeuralNetwork
import Training

/// `wconv bench scaling`: data-parallel training steps on K = 1, 2, … ranks of this machine
/// (`mpirun --oversubscribe`, threads per rank = processors / K): step time, images/s, the time of
/// the gradient allreduce and its share of the step, and the allreduce's own bandwidth.
struct BenchScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling", abstract: "Data-parallel step time and allreduce cost on K = 1, 2, … local MPI ranks.",
        discussion: """
            Starts `mpirun -np K` for each K of --ranks, each rank with processors/K threads, and times --steps \
            training steps of --model (weighted 3×3 convolutions, global batch --batch, synthetic 32×32 RGB input).

            Allreduce: the time the step waits for the gradient sums after the backward pass (the part the pass did \
            not hide when the sums start during it, the default; all of it with --no-overlap; waiting for the \
            slowest rank included) and, after the steps, the same sum alone after a barrier (its bus bandwidth, \
            2(K−1)/K × bytes / time, feeds the cost model of Docs/Cluster.md).
            """)

    @Option(parsing: .unconditional, help: OptionRanges.ranks.help("Rank counts, comma-separated, each at most --batch"),
            transform: OptionRanges.ranks.parseIntegers)
    var ranks = IntegerList<Int>(values: [1, 2])
    @Option(help: "vgg16 or resnet18.") var model = "resnet18"
    @Option(parsing: .unconditional, help: OptionRanges.scalingBatch.help("Global batch (split over the ranks)"),
            transform: OptionRanges.scalingBatch.parse)
    var batch = 64
    @Option(parsing: .unconditional, help: OptionRanges.steps.help("Timed steps after 2 warm-up steps"), transform: OptionRanges.steps.parse)
    var steps = 5
    @Flag(inversion: .prefixedNo, help: "Start the gradient sums during the backward pass (bucket by bucket).") var overlap = true
    @OptionGroup var compute: ThreadOptions
    @Flag(help: .hidden) var measure = false

    /// One measurement on K ranks, as rank 0 reports it.
    struct Measurement: Codable {
        var ranks: Int, threads: Int, gradientValues: Int
        var stepSeconds: Double, allreduceSeconds: Double, allreduceAloneSeconds: Double
    }

    /// Checks the model and the rank counts against the batch before any work starts.
    func validate() throws {
        guard let c = BenchTrainCommand.cases[model], c.classification else {
            throw ValidationError("--model takes vgg16 or resnet18, got '\(model)'")
        }
        guard ranks.values.allSatisfy({ $0 <= batch }) else {
            throw ValidationError("--ranks needs rank counts from 1 to the batch size (\(batch)), got \(ranks.defaultValueDescription)")
        }
    }

    func run() throws {
        guard let c = BenchTrainCommand.cases[model] else { throw CommandFailure("unknown model \(model) (vgg16, resnet18)") }
        if measure { return try measureHere(c) }
        let counts = ranks.values
        print("\(c.name.replacingOccurrences(of: "batch 64", with: "global batch \(batch)")), weighted 3×3; \(steps) timed steps; "
              + "\(ComputeThreads.processorCount) processors; medians")
        print("gradient sums " + (overlap ? "overlapped with the backward pass (allreduce ms: the wait after it)" : "after the backward pass"))
        var rows = [["ranks", "threads/rank", "step ms", "images/s", "allreduce ms", "of step", "allreduce alone ms", "bus GB/s"]]
        for (index, k) in counts.enumerated() {
            let m = try launch(ranks: k)
            let bytes = Double(m.gradientValues * 4), bus = k > 1 ? 2 * Double(k - 1) / Double(k) * bytes / m.allreduceAloneSeconds / 1e9 : .nan
            rows.append([String(k), String(m.threads), String(format: "%.0f", 1000 * m.stepSeconds),
                         String(format: "%.1f", Double(batch) / m.stepSeconds), String(format: "%.1f", 1000 * m.allreduceSeconds),
                         String(format: "%.1f %%", 100 * m.allreduceSeconds / m.stepSeconds),
                         String(format: "%.1f", 1000 * m.allreduceAloneSeconds), bus.isNaN ? "–" : String(format: "%.2f", bus)])
            if index == 0 { print(String(format: "gradient: %d values (%.1f MB)", m.gradientValues, bytes / 1e6)) }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { i, cell in String(repeating: " ", count: widths[i] - cell.count) + cell }.joined(separator: "  "))
        }
    }

    /// Runs this command with `--measure` on `ranks` local MPI ranks and reads rank 0's report.
    /// - Throws: ``CommandFailure`` when this `wconv` was built without Open MPI, `mpirun` is
    ///   missing, or the ranks fail (their own error is printed above the message).
    private func launch(ranks: Int) throws -> Measurement {
        guard Processes.hasMPI else {
            throw CommandFailure("bench scaling needs a wconv built with Open MPI (install libopenmpi-dev and rebuild)")
        }
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            throw CommandFailure("mpirun is not installed (Debian openmpi-bin; scripts/setup installs it)")
        }
        let threads = compute.threads ?? max(1, ComputeThreads.processorCount / ranks)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["-np", String(ranks), "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
            + [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path, "bench", "scaling", "--measure",
               "--ranks", String(ranks), "--model", model, "--batch", String(batch), "--steps", String(steps), "--threads", String(threads)]
            + (overlap ? [] : ["--no-overlap"])
        let output = Pipe()
        process.standardOutput = output
        try ChildProcesses.run(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let m = try? JSONDecoder().decode(Measurement.self, from: Data(line.utf8)) else {
            throw CommandFailure("mpirun -np \(ranks) failed (exit \(process.terminationStatus)); the measuring ranks' error is printed above")
        }
        return m
    }

    /// The measurement on the ranks of this MPI job; rank 0 prints it as one JSON line.
    private func measureHere(_ c: BenchTrainCommand.Case) throws {
        try compute.apply()
        let world = try Processes.communicator()
        var replicas = DataParallel(communicator: world)
        replicas.overlapsBackward = overlap
        let network = c.build(.weighted(den: [0.5], trainable: true))
        let optimizer = Optimizer(network.namedParameters(), rule: .sgd(momentum: 0.9, nesterov: true),
                                  groups: [.weights: .init(learningRate: 1e-3), .noDecay: .init(learningRate: 1e-3),
                                           .densities: .init(learningRate: 1e-3)])
        try replicas.prepare(network)
        let shape = [batch] + c.shape.dropFirst()
        let global = Batch(shape: shape, input: Initialization.normal(shape: shape, standardDeviation: 1, seed: 2).scalars,
                           labels: (0..<batch).map { $0 % 100 })
        guard replicas.trains(globalCount: batch) else { throw CommandFailure("--batch \(batch) is smaller than the \(world.size) ranks") }
        let share = global.share(world.rank, of: world.size)
        var stepTimes: [Double] = [], reduceTimes: [Double] = []
        for index in 0..<(steps + 2) {
            let start = ContinuousClock.now
            network.zeroGradients()
            let loss = try Loss.crossEntropy(try network(Variable(Tensor(shape: share.shape, scalars: share.input))), labels: share.labels)
            let wait = try replicas.backward(loss, share: share.count, global: batch, parameters: network.parameters, statistics: []).waitSeconds
            optimizer.step()
            if index >= 2 {
                stepTimes.append(Self.seconds(ContinuousClock.now - start))
                reduceTimes.append(wait)
            }
        }
        var bucket = [Float](repeating: 1, count: network.parameterCount)
        var aloneTimes: [Double] = []
        for _ in 0..<5 {
            try world.barrier()
            let start = ContinuousClock.now
            try world.allreduce(&bucket, .sum)
            aloneTimes.append(Self.seconds(ContinuousClock.now - start))
        }
        let median = { (values: [Double]) in BenchTrainCommand.quantile(values.sorted(), 0.5) }
        let m = Measurement(ranks: world.size, threads: ComputeThreads.count, gradientValues: network.parameterCount,
                            stepSeconds: median(stepTimes), allreduceSeconds: median(reduceTimes), allreduceAloneSeconds: median(aloneTimes))
        if world.isRoot { print(String(decoding: try JSONEncoder().encode(m), as: UTF8.self)) }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
