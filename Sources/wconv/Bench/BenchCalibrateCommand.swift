import ArgumentParser
import Foundation
import GridCore
import WeightedConvolution

/// `wconv bench calibrate`: measures the rates `.auto`'s cost model runs on and keeps them in
/// the user cache (see `PlannerRatesCache`), or shows the rates this process would use.
struct BenchCalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure the convolution planner's rates on this processor and cache them (about two seconds).")

    @OptionGroup var compute: ThreadOptions

    @Flag(help: "Measure nothing: print the rates .auto uses in this process (WCONV_PLANNER_RATES: calibrate, cached, shipped) and where they come from.")
    var show = false

    func run() throws {
        try compute.apply()
        let key = PlannerRatesCache.currentKey()
        print("\(key.processor), \(InstructionSet.description), threads: \(key.threads)")
        let shipped = PlannerRates.shipped
        if show {
            let planner = ConvolutionPlanner.shared
            print("planner rates: \(planner.ratesOrigin)")
            return Self.printRates([("rates", planner.rates)], beside: shipped)
        }
        guard let folder = PlannerRatesCache.folder() else {
            throw CommandFailure("no cache folder: neither XDG_CACHE_HOME (absolute) nor HOME is set")
        }
        let rates = try PlannerCalibration.measure()
        var entry = key
        entry.rates = rates
        do {
            try PlannerRatesCache.store(entry, folder: folder)
        } catch {
            throw CommandFailure("cannot write the planner cache in \(folder): \(error.localizedDescription)")
        }
        print("calibrated; kept in \(PlannerRatesCache.path(for: entry, folder: folder))")
        Self.printRates([("calibrated", rates)], beside: shipped)
    }

    /// A table of each rate: shipped, then the columns given.
    static func printRates(_ columns: [(String, PlannerRates)], beside shipped: PlannerRates) {
        var rows = [["rate", "unit", "shipped"] + columns.map(\.0)]
        for (index, rate) in shipped.named.enumerated() {
            rows.append([rate.name, rate.unit, format(rate.value)] + columns.map { format($0.1.named[index].value) })
        }
        BenchConvCommand.printTable(rows)
    }

    private static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}
