import Datasets
import Foundation

/// Counts of (true class, predicted class) pairs of a classifier on labelled samples, with the
/// per-class accuracy a person reads and the files a person keeps: CSV and an SVG heat map.
public struct ConfusionMatrix: Sendable, Equatable {
    /// The class names in index order.
    public let classes: [String]
    /// `counts[truth][prediction]`.
    public private(set) var counts: [[Int]]

    /// An empty matrix of `classes`.
    public init(classes: [String]) {
        self.classes = classes
        counts = Array(repeating: Array(repeating: 0, count: classes.count), count: classes.count)
    }

    /// Counts one batch: the arg-max of each sample's `logits` row against its label (a label or
    /// prediction outside the classes, or a row with a NaN, is not counted).
    public mutating func add(logits: [Float], labels: [Int]) {
        let n = classes.count
        guard n > 0, logits.count == labels.count * n else { return }
        for (sample, truth) in labels.enumerated() where counts.indices.contains(truth) {
            let row = logits[(sample * n)..<((sample + 1) * n)]
            guard row.allSatisfy(\.isFinite), let best = row.indices.max(by: { row[$0] < row[$1] }) else { continue }
            counts[truth][best - sample * n] += 1
        }
    }

    /// Samples of each class, and of each the share predicted right (percent; NaN for an absent class).
    public var perClass: [(name: String, samples: Int, accuracy: Double)] {
        classes.indices.map { c in
            let total = counts[c].reduce(0, +)
            return (classes[c], total, total > 0 ? 100 * Double(counts[c][c]) / Double(total) : .nan)
        }
    }

    /// `truth,<class names…>` then one row per true class.
    public var csv: String {
        var table = CSVTable(header: ["truth"] + classes)
        for (c, row) in counts.enumerated() { table.append([classes[c]] + row.map(String.init)) }
        return table.text
    }

    /// A heat map: one cell per (truth, prediction), shaded by the share of the true class's
    /// samples, with the count written in it.
    public func svg(title: String) -> String {
        let n = classes.count, cell = 36, left = 140, top = 60
        let side = max(1, n) * cell
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + side + 20)\" height=\"\(top + side + 120)\" font-family=\"sans-serif\" font-size=\"11\">",
                     "<text x=\"\(left)\" y=\"20\" font-size=\"14\">\(escape(title))</text>",
                     "<text x=\"\(left + side / 2)\" y=\"\(top - 28)\" text-anchor=\"middle\">predicted</text>",
                     "<text x=\"12\" y=\"\(top + side / 2)\" transform=\"rotate(-90 12 \(top + side / 2))\" text-anchor=\"middle\">true class</text>"]
        for (t, row) in counts.enumerated() {
            let total = max(1, row.reduce(0, +))
            parts.append("<text x=\"\(left - 6)\" y=\"\(top + t * cell + cell / 2 + 4)\" text-anchor=\"end\">\(escape(classes[t]))</text>")
            for (p, count) in row.enumerated() {
                let share = Double(count) / Double(total), shade = Int(255 - 200 * share)
                parts.append("<rect x=\"\(left + p * cell)\" y=\"\(top + t * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#ccc\"/>")
                parts.append("<text x=\"\(left + p * cell + cell / 2)\" y=\"\(top + t * cell + cell / 2 + 4)\" text-anchor=\"middle\">\(count)</text>")
            }
        }
        for (p, name) in classes.enumerated() {
            let x = left + p * cell + cell / 2, y = top + side + 10
            parts.append("<text x=\"\(x)\" y=\"\(y)\" transform=\"rotate(60 \(x) \(y))\">\(escape(name))</text>")
        }
        return (parts + ["</svg>"]).joined(separator: "\n") + "\n"
    }

    /// Writes `confusion.csv` and `confusion.svg` into `folder` (created if needed), atomically.
    /// - Throws: `DataError` when a file cannot be written.
    public func write(to folder: String, title: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Files.atomicWrite(Array(csv.utf8), to: folder + "/confusion.csv")
        try Files.atomicWrite(Array(svg(title: title).utf8), to: folder + "/confusion.svg")
    }
}
