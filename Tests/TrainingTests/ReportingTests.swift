import Testing
import Foundation
import Training

/// Reports people read: CSV quoting, durations, and the SVG plot's structure.
@Suite struct ReportingTests {
    @Test func csvQuotesOnlyWhereNeeded() {
        var table = CSVTable(header: ["run", "note"])
        table.append(["weighted", "a, b"])
        table.append(["standard", "say \"hi\""])
        #expect(table.text == "run,note\nweighted,\"a, b\"\nstandard,\"say \"\"hi\"\"\"\n")
    }

    @Test func durationsAreShort() {
        #expect(ProgressLine.duration(12.4) == "12s")
        #expect(ProgressLine.duration(187) == "3m07s")
        #expect(ProgressLine.duration(3720) == "1h02m")
        #expect(ProgressLine.duration(.nan) == "?")
    }

    @Test func plotHasOneLinePerSeriesAndABandForSpread() {
        var plot = LinePlot(title: "a < b", xLabel: "epoch", yLabel: "accuracy")
        plot.add(.init(name: "standard", points: [(1, 80), (2, 84), (3, 85)], spread: [1, 0.5, 0.4]))
        plot.add(.init(name: "noisy input", points: [(1, 20), (3, 20)], dashed: true))
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<polyline").count == 2, "the far-away dashed line is listed, not drawn")
        #expect(svg.contains("noisy input 20 (off scale)"))
        #expect(svg.components(separatedBy: "<polygon").count == 2)
        #expect(svg.contains("a &lt; b"))
        #expect(svg.contains("stroke-dasharray"))
        var near = LinePlot(title: "PSNR", xLabel: "epoch", yLabel: "dB")
        near.add(.init(name: "weighted", points: [(1, 18), (2, 21)]))
        near.add(.init(name: "noisy input", points: [(1, 20.2), (2, 20.2)], dashed: true))
        #expect(near.svg().components(separatedBy: "<polyline").count == 3, "a nearby baseline is drawn")
    }
}

extension ReportingTests {
    @Test func shadedSeriesAreColouredPointsWithoutALine() {
        var plot = LinePlot(title: "score over the box", xLabel: "d1", yLabel: "d2")
        plot.add(.init(name: "accuracy", points: [(0.1, 0.5), (0.3, 0.9), (0.2, 0.7)], shades: [80, 90, 85]))
        let svg = plot.svg()
        #expect(!svg.contains("<polyline"))
        #expect(svg.contains("fill=\"#440154\"") && svg.contains("fill=\"#fde725\"") && svg.contains("fill=\"#21918c\""))
        #expect(svg.contains("accuracy 90") && svg.contains("accuracy 80"))
    }
}
