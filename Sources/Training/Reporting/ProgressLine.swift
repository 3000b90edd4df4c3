import Foundation

/// A live progress line for long work: epoch, batch, loss, metric, throughput and ETA.
///
/// On a terminal the line is redrawn in place (carriage return); otherwise (logs, CI) a full
/// line is printed at most every `interval` seconds and at the end of each epoch.
public struct ProgressLine {
    private let isTerminal: Bool
    private let interval: Duration
    private let isEnabled: Bool
    private var lastPrint: ContinuousClock.Instant?

    /// A progress line writing to standard error.
    /// - Parameters:
    ///   - interval: the least time between lines when standard error is not a terminal.
    ///   - enabled: whether anything is shown (off on every rank but 0 of a data-parallel run).
    public init(interval: Duration = .seconds(5), enabled: Bool = true) {
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.interval = interval
        self.isEnabled = enabled
    }

    /// Shows one state of the work; `force` prints even between intervals (end of an epoch).
    public mutating func show(_ text: String, force: Bool = false) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        if isTerminal {
            let padded = text.count < 110 ? text + String(repeating: " ", count: 110 - text.count) : text
            FileHandle.standardError.write(Data(("\r" + padded + (force ? "\n" : "")).utf8))
        } else if force || lastPrint.map({ now - $0 >= interval }) ?? true {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            lastPrint = now
        }
    }

    /// `1h02m`, `3m07s` or `12s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}

/// Rows of values written as RFC 4180 CSV (fields with commas, quotes or newlines are quoted).
public struct CSVTable: Sendable {
    /// Column names.
    public let header: [String]
    /// Data rows, each with `header.count` fields.
    public private(set) var rows: [[String]] = []

    /// An empty table with the given columns.
    public init(header: [String]) { self.header = header }

    /// Appends a row. - Precondition: one field per column.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields for \(header.count) columns")
        rows.append(row)
    }

    /// The table as CSV text.
    public var text: String {
        ([header] + rows).map { $0.map(Self.quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    private static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
