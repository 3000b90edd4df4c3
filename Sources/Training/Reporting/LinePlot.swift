import Foundation

/// A line plot of learning curves rendered as a self-contained SVG document.
///
/// Each series is a polyline with optional per-point spread (drawn as a translucent band, e.g.
/// mean ± standard deviation over seeds), or a scatter of points coloured by a value (`shades`,
/// e.g. a score over two parameters). Axes get "nice" ticks; a legend names the series.
///
/// ```swift
/// var plot = LinePlot(title: "Fashion-MNIST, VGG", xLabel: "epoch", yLabel: "accuracy (%)")
/// plot.add(LinePlot.Series(name: "weighted", points: [(1, 80), (2, 85)], spread: [1, 0.5]))
/// let svg = plot.svg()
/// ```
public struct LinePlot: Sendable {
    /// One curve.
    public struct Series: Sendable {
        /// Legend text.
        public var name: String
        /// `(x, y)` points in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Half-width of the band around each point (same count as `points`), or empty.
        public var spread: [Double]
        /// Dashed stroke (e.g. for a baseline).
        public var dashed: Bool
        /// A value per point that colours it (dark blue for the lowest, yellow for the highest);
        /// a series with shades is drawn as points without a line. Empty: one colour, a line.
        public var shades: [Double]

        /// A series; `spread` and `shades` are empty or one value per point.
        public init(name: String, points: [(x: Double, y: Double)], spread: [Double] = [], dashed: Bool = false, shades: [Double] = []) {
            precondition(spread.isEmpty || spread.count == points.count, "one spread value per point")
            precondition(shades.isEmpty || shades.count == points.count, "one shade value per point")
            self.name = name
            self.points = points
            self.spread = spread
            self.dashed = dashed
            self.shades = shades
        }
    }

    /// Title above the plot.
    public var title: String
    /// Label under the horizontal axis.
    public var xLabel: String
    /// Label beside the vertical axis.
    public var yLabel: String
    /// The curves, drawn in order.
    public private(set) var series: [Series] = []

    /// An empty plot.
    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Adds a curve.
    public mutating func add(_ series: Series) { self.series.append(series) }

    private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"]

    /// The plot as an SVG document of `width × height` pixels.
    public func svg(width: Double = 720, height: Double = 440) -> String {
        let left = 70.0, right = 180.0, top = 40.0, bottom = 55.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let extent = { (curves: [Series]) in curves.flatMap { s in s.points.indices.flatMap { i -> [(Double, Double)] in
            let p = s.points[i], d = s.spread.isEmpty ? 0 : s.spread[i]
            return [(p.x, p.y - d), (p.x, p.y + d)]
        } }.filter { $0.0.isFinite && $0.1.isFinite } }
        // Dashed reference lines extend the vertical range only when they are near the curves;
        // a far-away one (chance level under 90 % accuracy) is listed in the legend instead.
        let curves = extent(series.filter { !$0.dashed })
        let curveRange = (curves.map(\.1).min() ?? 0, curves.map(\.1).max() ?? 1)
        let span = Swift.max(curveRange.1 - curveRange.0, 1e-9)
        let onScale = series.filter { s in
            !s.dashed || s.points.allSatisfy { $0.y >= curveRange.0 - span && $0.y <= curveRange.1 + span }
        }
        let finite = extent(onScale)
        let xs = finite.map(\.0)
        let xTicks = Ticks(xs, integers: xs.allSatisfy { $0 == $0.rounded() }), yTicks = Ticks(finite.map(\.1))
        func sx(_ x: Double) -> Double { left + (x - xTicks.low) / (xTicks.high - xTicks.low) * plotWidth }
        func sy(_ y: Double) -> Double { top + plotHeight - (y - yTicks.low) / (yTicks.high - yTicks.low) * plotHeight }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" \
            viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(fmt(left + plotWidth / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        for tick in yTicks.values {
            svg += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left + plotWidth))\" y1=\"\(fmt(sy(tick)))\" y2=\"\(fmt(sy(tick)))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(sy(tick) + 4))\" text-anchor=\"end\">\(Ticks.label(tick))</text>\n"
        }
        for tick in xTicks.values {
            svg += "<line x1=\"\(fmt(sx(tick)))\" x2=\"\(fmt(sx(tick)))\" y1=\"\(fmt(top))\" y2=\"\(fmt(top + plotHeight))\" stroke=\"#f0f0f0\"/>"
            svg += "<text x=\"\(fmt(sx(tick)))\" y=\"\(fmt(top + plotHeight + 16))\" text-anchor=\"middle\">\(Ticks.label(tick))</text>\n"
        }
        svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
        svg += "<text x=\"\(fmt(left + plotWidth / 2))\" y=\"\(fmt(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(18 \(fmt(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        var legendRow = 0
        for (index, s) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let isShown = onScale.contains { $0.name == s.name }
            let points = isShown ? s.points.enumerated().filter { $0.element.x.isFinite && $0.element.y.isFinite } : []
            if !s.spread.isEmpty, points.count > 1 {
                let upper = points.map { "\(fmt(sx($0.element.x))),\(fmt(sy($0.element.y + s.spread[$0.offset])))" }
                let lower = points.reversed().map { "\(fmt(sx($0.element.x))),\(fmt(sy($0.element.y - s.spread[$0.offset])))" }
                svg += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
            }
            let line = points.map { "\(fmt(sx($0.element.x))),\(fmt(sy($0.element.y)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            let shading = Shading(s.shades)
            if !points.isEmpty, shading == nil {
                svg += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
            }
            for p in points {
                let fill = shading?.colour(s.shades[p.offset]) ?? colour
                svg += "<circle cx=\"\(fmt(sx(p.element.x)))\" cy=\"\(fmt(sy(p.element.y)))\" r=\"\(shading == nil ? "2.5" : "5")\" fill=\"\(fill)\"/>"
            }
            let legendY = top + 10 + Double(legendRow) * 20
            legendRow += shading == nil ? 1 : 2
            if let shading {
                for (row, value) in [shading.high, shading.low].enumerated() {
                    let y = legendY + Double(row) * 20
                    svg += "\n<circle cx=\"\(fmt(left + plotWidth + 24))\" cy=\"\(fmt(y))\" r=\"5\" fill=\"\(shading.colour(value))\"/>"
                    svg += "<text x=\"\(fmt(left + plotWidth + 42))\" y=\"\(fmt(y + 4))\">\(escape(s.name)) \(Ticks.label(value))</text>\n"
                }
                continue
            }
            svg += "\n<line x1=\"\(fmt(left + plotWidth + 12))\" x2=\"\(fmt(left + plotWidth + 36))\" y1=\"\(fmt(legendY))\" y2=\"\(fmt(legendY))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>"
            let offScale = isShown ? "" : " \(Ticks.label(s.points.first?.y ?? .nan)) (off scale)"
            svg += "<text x=\"\(fmt(left + plotWidth + 42))\" y=\"\(fmt(legendY + 4))\">\(escape(s.name + offScale))</text>\n"
        }
        return svg + "</svg>\n"
    }
}

/// Colours for values: a ramp from dark blue (lowest) through teal to yellow (highest).
struct Shading {
    let low: Double, high: Double

    /// The range of the finite `values`, or nil when there are none.
    init?(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return nil }
        self.low = low
        self.high = high
    }

    /// `#rrggbb` for `value` (non-finite values grey).
    func colour(_ value: Double) -> String {
        guard value.isFinite else { return "#999999" }
        let t = high > low ? (value - low) / (high - low) : 1
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (33, 145, 140), (253, 231, 37)]
        let position = Swift.min(Swift.max(t, 0), 1) * 2, i = Swift.min(Int(position), 1), f = position - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        let channel = { (p: Double, q: Double) in String(format: "%02x", Int((p + (q - p) * f).rounded())) }
        return "#" + channel(a.0, b.0) + channel(a.1, b.1) + channel(a.2, b.2)
    }
}

/// Round-number axis ticks covering a set of values.
struct Ticks {
    let low: Double, high: Double, values: [Double]

    init(_ data: [Double], integers: Bool = false) {
        var low = data.min() ?? 0, high = data.max() ?? 1
        if high - low < 1e-12 { low -= 0.5; high += 0.5 }
        let rough = (high - low) / 6
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        if integers { step = Swift.max(1, step.rounded()) }
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        self.values = Array(stride(from: self.low, through: self.high + step / 2, by: step))
    }

    /// A short label: integers without decimals, otherwise up to 3 significant decimals.
    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return "\(Int(value))" }
        return fmt(value, decimals: 3)
    }
}

/// A number with at most `decimals` decimals and no trailing zeros.
func fmt(_ value: Double, decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    var text = "\((value * scale).rounded() / scale)"
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

/// Text safe inside SVG elements (`&`, `<`, `>` escaped).
func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
