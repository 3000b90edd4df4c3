import ArgumentParser

/// The documented range of one numeric option, checked while the command line is parsed (before
/// any work starts) and shown in `--help`. Every command that takes the option uses the same
/// value from ``OptionRanges``, so the option means the same everywhere.
struct OptionRange<Value: Comparable & LosslessStringConvertible & Sendable>: Sendable {
    /// The option, e.g. `--threads`.
    let name: String
    /// The values accepted (both ends included).
    let range: ClosedRange<Value>

    /// `text` followed by the range, e.g. `Threads to compute on (1…1024).`
    func help(_ text: String) -> ArgumentHelp {
        ArgumentHelp("\(text) (\(rangeText))")
    }

    /// The range as the help and the errors write it, e.g. `1…1024`.
    var rangeText: String { "\(Self.text(range.lowerBound))…\(Self.text(range.upperBound))" }

    /// A bound as written, without the `.0` of a whole floating-point number.
    private static func text(_ value: Value) -> String {
        let written = String(value)
        return written.hasSuffix(".0") ? String(written.dropLast(2)) : written
    }

    /// The value written in `argument`.
    /// - Throws: `ValidationError` naming the option and its range when the text is not a number
    ///   of this type (empty, a word, NaN) or lies outside the range (a number too large for the
    ///   type included).
    @Sendable func parse(_ argument: String) throws -> Value {
        guard let value = Value(argument.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ValidationError("\(name) takes a number in \(rangeText), got '\(argument)'")
        }
        return value
    }

    /// Comma-separated values, each in the range (at least one).
    /// - Throws: `ValidationError` naming the option, its range and the form.
    @Sendable func parseList(_ argument: String) throws -> [Value] {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Value($0.trimmingCharacters(in: .whitespaces)) }
        guard !argument.isEmpty, values.count == parts.count, values.allSatisfy(range.contains) else {
            throw ValidationError("\(name) takes comma-separated numbers in \(rangeText), got '\(argument)'")
        }
        return values
    }
}
