import Foundation
import NeuralNetwork

extension BenchTrainCommand {
    /// `--profile`: per model, standard and weighted training steps in pairs as in the timed
    /// comparison, each recorded by a `StepProfile`; prints per phase and op the time per
    /// step of both, the weighted model's difference and the share of the standard step, then the
    /// phase totals and what no lap covered.
    func printProfiles(_ cases: [(String, Case)]) throws {
        let clock: StepProfile.Clock = self.clock.cpuTime ? .processCPU : .wall
        for (_, c) in cases {
            print("\n\(c.name): time per step by the \(clock == .wall ? "wall clock" : "process CPU time"), mean of \(steps) steps")
            let runners = (try StepRunner(c, kind: try Self.kind(named: "standard")), try StepRunner(c, kind: try Self.kind(named: "weighted")))
            for _ in 0..<Self.warmUpSteps { _ = try runners.0.step(); _ = try runners.1.step() }
            let profiles = (StepProfile(clock: clock), StepProfile(clock: clock))
            var stepSeconds = (0.0, 0.0)
            try Self.pairSteps(steps) {
                stepSeconds.0 += try runners.0.step(profile: profiles.0)
            } weighted: {
                stepSeconds.1 += try runners.1.step(profile: profiles.1)
            }
            Self.printRows(profileTable(profiles, stepSeconds: stepSeconds))
        }
    }

    /// Rows of the two profiles matched by phase and label, ordered by phase and the standard
    /// step's time, then the totals per phase, the laps' sum and the timed step.
    private func profileTable(_ profiles: (StepProfile, StepProfile), stepSeconds: (Double, Double)) -> [[String]] {
        struct Key: Hashable { let phase: StepProfile.Phase, label: String }
        let perStep = { (row: StepProfile.Row) in 1000 * row.seconds / Double(steps) }
        var times: [Key: (Double, Double, laps: Int)] = [:]
        for row in profiles.0.rows { times[Key(phase: row.phase, label: row.label), default: (0, 0, 0)].0 = perStep(row) }
        for row in profiles.1.rows { times[Key(phase: row.phase, label: row.label), default: (0, 0, 0)].1 = perStep(row) }
        for row in profiles.0.rows { times[Key(phase: row.phase, label: row.label)]!.laps = row.laps / steps }
        let standardStep = 1000 * stepSeconds.0 / Double(steps), weightedStep = 1000 * stepSeconds.1 / Double(steps)
        func line(_ phase: String, _ label: String, _ laps: String, _ standard: Double, _ weighted: Double) -> [String] {
            [phase, label, laps, String(format: "%.1f", standard), String(format: "%.1f", weighted),
             String(format: "%+.1f", weighted - standard), String(format: "%.1f", 100 * standard / standardStep)]
        }
        var table = [["phase", "op", "per step", "standard ms", "weighted ms", "weighted − standard", "% of standard step"]]
        let keys = times.keys.sorted { ($0.phase, -times[$0]!.0, $0.label) < ($1.phase, -times[$1]!.0, $1.label) }
        table += keys.map { line($0.phase.rawValue, $0.label, times[$0]!.laps == 0 ? "" : "\(times[$0]!.laps)", times[$0]!.0, times[$0]!.1) }
        for phase in StepProfile.Phase.allCases {
            let total = keys.filter { $0.phase == phase }.reduce((0.0, 0.0)) { ($0.0 + times[$1]!.0, $0.1 + times[$1]!.1) }
            table.append(line("total", phase.rawValue, "", total.0, total.1))
        }
        let laps = times.values.reduce((0.0, 0.0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        table.append(line("total", "not covered by a lap", "", standardStep - laps.0, weightedStep - laps.1))
        table.append(line("total", "timed step", "", standardStep, weightedStep))
        return table
    }
}
