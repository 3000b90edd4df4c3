import Foundation

/// The `.ts` text format of the UCR/UEA time-series archives (as shipped in the `aeon` package):
/// `#` comments, `@` header lines (`@problemName`, `@univariate`, `@equalLength`,
/// `@classLabel true 1 2 …`), then `@data` and one series per line, comma-separated values
/// followed by `:label`. Univariate, equal-length series are supported; lines may end in LF or CRLF.
public enum UCRSeries {
    /// Reads a `.ts` file into series `[n, 1, length]` and labels `0..<classes` (in the order of
    /// the `@classLabel` line).
    /// - Returns: the series and the class names.
    /// - Throws: ``DataError`` naming the file for a missing file, multivariate or unequal-length
    ///   data, a missing or unknown label, or a value that is not a number.
    public static func read(_ path: String, classNames: [String]? = nil) throws(DataError) -> (series: LabelledImages, classes: [String]) {
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        var classes = classNames ?? []
        var rows: [[Float]] = [], labels: [Int] = []
        var inData = false
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !inData {
                let lower = line.lowercased()
                if lower.hasPrefix("@univariate false") { throw DataError(path, "multivariate series are not supported") }
                if lower.hasPrefix("@equallength false") { throw DataError(path, "series of unequal length are not supported") }
                if lower.hasPrefix("@classlabel"), classNames == nil {
                    classes = line.split(separator: " ").dropFirst(2).map(String.init)
                }
                if lower.hasPrefix("@data") { inData = true }
                continue
            }
            guard let colon = line.lastIndex(of: ":") else { throw DataError(path, "line \(number + 1): no ':label' at the end") }
            let label = String(line[line.index(after: colon)...]).trimmingCharacters()
            guard let index = classes.firstIndex(of: label) else {
                throw DataError(path, "line \(number + 1): label \(label) is not one of \(classes)")
            }
            let fields = line[..<colon].split(separator: ",")
            let values = fields.compactMap { Float($0.trimmingCharacters()) }
            guard values.count == fields.count, !values.isEmpty else {
                throw DataError(path, "line \(number + 1): a value is not a number (missing values are not supported)")
            }
            if let first = rows.first, first.count != values.count {
                throw DataError(path, "line \(number + 1): length \(values.count), the first series has \(first.count)")
            }
            rows.append(values)
            labels.append(index)
        }
        guard inData, let length = rows.first?.count else { throw DataError(path, "no @data section with series") }
        return (LabelledImages(shape: [rows.count, 1, length], pixels: rows.flatMap { $0 }, labels: labels), classes)
    }
}
