import Foundation
import GridCore

/// Labelled time series of the UCR/UEA archives and of plain text tables, read into
/// `[n, channels, length]` samples with one class index each.
///
/// Three layouts, chosen by ``Layout`` (or by the file's extension):
/// - `.ts` (UCR/UEA, as shipped in the `aeon` package): `#` comments, `@` header lines
///   (`@problemName`, `@univariate`, `@dimensions`, `@equalLength`, `@classLabel true a b …`),
///   then `@data` and one series per line: the values of each dimension comma-separated, the
///   dimensions separated by `:`, the label last (`1,2,3:4,5,6:label`).
/// - `.tsv` (UCR 2018 archive): one univariate series per line, the label first, tab-separated.
/// - `.csv`: the same with commas (no header row).
///
/// Series must have equal lengths (across series and dimensions) and no missing values: a `?`
/// or `NaN` value, a line of another length, or a value that is not a finite number is an error
/// naming the file and the line. Lines may end in LF or CRLF; empty lines are skipped.
///
/// Class names map to indices consistently between a training and a test file: read the training
/// file first and pass its ``LabelledSeries/classes`` when reading the test file; a test label
/// unseen in training is an error. Without given classes, a `.ts` file's `@classLabel` list is
/// the order; otherwise the labels found are sorted (numerically when every label is a number,
/// else by their Unicode scalars).
public enum UCRSeries {
    /// How the lines of a series file are laid out.
    public enum Layout: String, Sendable, CaseIterable {
        /// UCR/UEA `.ts`: values, `:` between dimensions, `:label` last.
        case ts
        /// UCR 2018 `.tsv`: label first, tab-separated.
        case tsv
        /// Label first, comma-separated.
        case csv

        /// The layout a file's extension names (`.ts`, `.tsv`, `.csv`, any case).
        /// - Throws: ``DataError`` for another extension.
        public init(path: String) throws(DataError) {
            let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
            guard let layout = Layout(rawValue: ext) else {
                throw DataError(path, "not a series file (expected the extension .ts, .tsv or .csv)")
            }
            self = layout
        }
    }

    /// Reads a series file.
    /// - Parameters:
    ///   - path: the file.
    ///   - layout: its layout; by default the one its extension names.
    ///   - classNames: the classes of the training file when reading a test file; `nil` to take
    ///     them from this file.
    ///   - zNormalise: normalise each series, per dimension, to mean 0 and standard deviation 1
    ///     (see ``zNormalised(_:)``).
    /// - Returns: samples `[n, dimensions, length]` and the class names, index order.
    /// - Throws: ``DataError`` naming the file (and the line) for a missing file, an unknown
    ///   extension, unequal lengths, missing or non-finite values, a missing label, a label not
    ///   among `classNames`, or no series at all.
    public static func read(
        _ path: String, layout: Layout? = nil, classNames: [String]? = nil, zNormalise: Bool = false
    ) throws(DataError) -> LabelledSeries {
        let layout = try layoutOrExtension(layout, path)
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        var table = SeriesTable(path: path)
        var declared: [String]? = nil
        var inData = layout != .ts
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            // Tabs separate .tsv fields: a leading tab is an empty label, not space to trim.
            let line = layout == .tsv ? String(raw) : raw.trimmingCharacters()
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            table.line = index + 1
            switch layout {
            case .ts:
                if line.hasPrefix("#") { continue }
                if !inData {
                    inData = try tsHeader(line, declared: &declared, table: table)
                    continue
                }
                var parts = line.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count >= 2 else { throw table.error("no ':label' at the end") }
                let label = String(parts.removeLast().trimmingCharacters())
                try table.append(parts.map { $0.split(separator: ",", omittingEmptySubsequences: false) }, label: label)
            case .tsv, .csv:
                let fields = line.split(separator: layout == .tsv ? "\t" : ",", omittingEmptySubsequences: false)
                guard fields.count >= 2 else { throw table.error("a label and at least one value expected") }
                try table.append([Array(fields.dropFirst())], label: String(fields[0].trimmingCharacters()))
            }
        }
        guard inData else { throw DataError(path, "no @data section") }
        let series = try table.labelled(classNames: classNames ?? declared)
        return zNormalise ? LabelledSeries(series: zNormalised(series.series), classes: series.classes) : series
    }

    /// `layout`, or the one the extension of `path` names.
    private static func layoutOrExtension(_ layout: Layout?, _ path: String) throws(DataError) -> Layout {
        if let layout { return layout }
        return try Layout(path: path)
    }

    /// Reads a training and a test file with one class mapping (the training file's).
    /// - Throws: ``DataError`` as ``read(_:layout:classNames:zNormalise:)``, and when the test
    ///   series differ from the training series in dimensions or length.
    public static func readPair(training: String, test: String, zNormalise: Bool = false) throws(DataError)
        -> (training: LabelledSeries, test: LabelledSeries) {
        let train = try read(training, zNormalise: zNormalise)
        let evaluation = try read(test, classNames: train.classes, zNormalise: zNormalise)
        guard evaluation.series.shape.dropFirst() == train.series.shape.dropFirst() else {
            throw DataError(test, "series of shape \(Array(evaluation.series.shape.dropFirst())), the training file \(training) has \(Array(train.series.shape.dropFirst()))")
        }
        return (train, evaluation)
    }

    /// The training and test files of a problem in a folder: `NAME_TRAIN.ts` and `NAME_TEST.ts`,
    /// or the UCR 2018 archive's `NAME_TRAIN.tsv` and `NAME_TEST.tsv` when there is no `.ts` pair.
    /// - Throws: ``DataError`` naming the folder when neither pair is there.
    public static func problemFiles(_ name: String, in folder: String) throws(DataError) -> (training: String, test: String) {
        for ext in ["ts", "tsv"] {
            let pair = ("\(folder)/\(name)_TRAIN.\(ext)", "\(folder)/\(name)_TEST.\(ext)")
            if FileManager.default.fileExists(atPath: pair.0) && FileManager.default.fileExists(atPath: pair.1) { return pair }
        }
        throw DataError(folder, "no \(name)_TRAIN.ts and \(name)_TEST.ts (or .tsv) in this folder")
    }

    /// Each series, per dimension, shifted to mean 0 and scaled to standard deviation 1 (the
    /// population standard deviation, computed in `Double`), the convention of the UCR archive.
    /// A constant series (standard deviation below 10⁻⁸ of its magnitude, at least 10⁻⁸) becomes
    /// all zeros rather than NaN.
    public static func zNormalised(_ series: LabelledImages) -> LabelledImages {
        let length = series.shape[2...].reduce(1, *)
        var values = series.pixels
        for start in stride(from: 0, to: values.count, by: max(1, length)) {
            let row = start..<(start + length)
            let mean = values[row].reduce(0.0) { $0 + Double($1) } / Double(length)
            let variance = values[row].reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(length)
            let deviation = variance.squareRoot()
            let constant = deviation <= 1e-8 * max(1, abs(mean))
            for i in row { values[i] = constant ? 0 : Float((Double(values[i]) - mean) / deviation) }
        }
        return LabelledImages(shape: series.shape, pixels: values, labels: series.labels)
    }

    /// Reads one `.ts` header line; returns true at `@data`.
    private static func tsHeader(_ line: String, declared: inout [String]?, table: SeriesTable) throws(DataError) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let key = words[0].lowercased(), value = words.count > 1 ? words[1].lowercased() : ""
        switch key {
        case "@data": return true
        case "@equallength" where value == "false":
            throw table.error("series of unequal length are not supported (@equalLength false)")
        case "@missing" where value == "true":
            throw table.error("missing values are not supported (@missing true)")
        case "@timestamps" where value == "true":
            throw table.error("time stamps are not supported (@timeStamps true)")
        case "@classlabel":
            guard value == "true" else { throw table.error("the series have no class labels (@classLabel \(value))") }
            declared = words.dropFirst(2).map(String.init)
        case "@targetlabel" where value == "true":
            throw table.error("regression targets are not supported (@targetLabel true)")
        default: break
        }
        return false
    }
}

/// Series with their class names, as read from a series file.
public struct LabelledSeries: Sendable {
    /// Samples `[n, dimensions, length]` and class indices.
    public var series: LabelledImages
    /// The class names, in index order.
    public var classes: [String]

    /// Series and their class names.
    public init(series: LabelledImages, classes: [String]) {
        self.series = series
        self.classes = classes
    }
}

/// The rows of a series file as they are read, with the place of the line being read.
private struct SeriesTable {
    let path: String
    var line = 0
    var values: [Float] = []
    var labels: [String] = []
    var labelLines: [Int] = []
    var shape: (dimensions: Int, length: Int)? = nil

    init(path: String) { self.path = path }

    func error(_ message: String) -> DataError { DataError(path, "line \(line): \(message)") }

    /// Appends one series given as the value fields of each dimension.
    mutating func append(_ dimensions: [[Substring]], label: String) throws(DataError) {
        guard !label.isEmpty else { throw error("empty label") }
        let length = dimensions[0].count
        if let shape, shape.dimensions != dimensions.count || shape.length != length {
            throw error("\(dimensions.count) dimension(s) of length \(dimensions.map(\.count)), the first series has \(shape.dimensions) of length \(shape.length) (unequal lengths are not supported)")
        }
        for (d, fields) in dimensions.enumerated() {
            guard fields.count == length else {
                throw error("dimension \(d + 1) has length \(fields.count), dimension 1 has \(length) (unequal lengths are not supported)")
            }
            for (i, field) in fields.enumerated() {
                let text = field.trimmingCharacters()
                guard let value = Float(text), value.isFinite else {
                    let what = text == "?" || text.lowercased() == "nan" ? "a missing value" : "not a finite number"
                    throw error("value \(i + 1) of dimension \(d + 1) '\(text)' is \(what) (missing values are not supported)")
                }
                values.append(value)
            }
        }
        shape = (dimensions.count, length)
        labels.append(label)
        labelLines.append(line)
    }

    /// The series with labels mapped to indices of `classNames`, or of the sorted labels found.
    func labelled(classNames: [String]?) throws(DataError) -> LabelledSeries {
        guard let shape else { throw DataError(path, "no series in the file") }
        let classes = classNames ?? Self.sortedClasses(Set(labels))
        let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var indices: [Int] = []
        for (label, line) in zip(labels, labelLines) {
            guard let i = index[label] else {
                throw DataError(path, "line \(line): label '\(label)' is not one of the classes \(classes)")
            }
            indices.append(i)
        }
        guard SizeLimits.product([labels.count, shape.dimensions, shape.length]) == values.count else {
            throw DataError(path, "\(labels.count) series of \(shape.dimensions)×\(shape.length) values do not match the \(values.count) values read")
        }
        return LabelledSeries(series: LabelledImages(shape: [labels.count, shape.dimensions, shape.length], pixels: values, labels: indices),
                              classes: classes)
    }

    /// Labels in numeric order when every one is a number, else by Unicode scalars.
    static func sortedClasses(_ labels: Set<String>) -> [String] {
        let numbers = labels.compactMap { label in Double(label).map { (label, $0) } }
        if numbers.count == labels.count {
            return numbers.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }.map(\.0)
        }
        return labels.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
}
