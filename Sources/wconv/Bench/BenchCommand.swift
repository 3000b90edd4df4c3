import ArgumentParser

/// `wconv bench …`: speed measurements (release builds only).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed (build with -c release).",
        subcommands: [
            BenchConvCommand.self, BenchTrainCommand.self, BenchSignalCommand.self, BenchScalingCommand.self,
            BenchPeakCommand.self, BenchCalibrateCommand.self,
        ])
}
