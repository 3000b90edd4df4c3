import ArgumentParser
import Foundation
import GridCore
import WeightedConvolution

/// Comma-separated integers (at least one), e.g. `2,1,1`.
struct IntegerList<Value: FixedWidthInteger & Sendable>: ExpressibleByArgument, Sendable {
    let values: [Value]

    /// A list of `values`.
    init(values: [Value]) { self.values = values }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Value($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == parts.count else { return nil }
        self.values = values
    }

    /// The list as typed, e.g. `1,2,3` (shown as the default in `--help`).
    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// Per-axis integers given as `2` (every axis) or `2,1,1` (one per spatial axis).
typealias PerAxis = IntegerList<Int>

extension OptionRange where Value == Int {
    /// Comma-separated integers, each in the range (`--stride`, `--dilation`, `--ranks`).
    /// - Throws: `ValidationError` naming the option, its range and the form.
    @Sendable func parseIntegers(_ argument: String) throws -> IntegerList<Int> { IntegerList(values: try parseList(argument)) }
}

/// Seeds, e.g. `1,2,3`.
typealias SeedList = IntegerList<UInt64>

/// A padding: `same`, or per-axis integers (`1` or `1,2`), applied before and after each axis.
enum PaddingArgument: Sendable {
    case same
    case symmetric([Int])

    /// `same`, or per-axis values in `OptionRanges.padding`.
    /// - Throws: `ValidationError` naming the forms and the range.
    @Sendable static func parse(_ argument: String) throws -> PaddingArgument {
        if argument == "same" { return .same }
        do { return .symmetric(try OptionRanges.padding.parseList(argument)) } catch {
            throw ValidationError("--padding takes 'same' or comma-separated numbers in \(OptionRanges.padding.rangeText), got '\(argument)'")
        }
    }

    var padding: ConvolutionPadding {
        switch self {
        case .same: .same
        case .symmetric(let values): .symmetric(values)
        }
    }
}

/// Comma-separated density values, e.g. `0.25,0.15,0.55` (empty for a 1-tap kernel), each in
/// `OptionRanges.densityValue`.
struct FloatList: Sendable {
    let values: [Float]

    /// The values written in `argument`.
    /// - Throws: `ValidationError` naming `option`, the form and the range.
    static func densities(_ argument: String, option: String) throws -> FloatList {
        guard let values = parse(argument), values.allSatisfy(OptionRanges.densityValue.range.contains) else {
            throw ValidationError("\(option) takes comma-separated density values in \(OptionRanges.densityValue.rangeText), got '\(argument)'")
        }
        return FloatList(values: values)
    }

    /// Finite floats separated by commas (`[]` for blank text), or `nil`.
    static func parse(_ text: String) -> [Float]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.allSatisfy(\.isFinite) else { return nil }
        return values
    }
}

/// Density lists per axis separated by `;`, e.g. `0.7;0.2,0.8` (an empty item for a 1-tap axis).
struct FloatListPerAxis: Sendable {
    let values: [[Float]]

    /// The lists written in `argument`.
    /// - Throws: `ValidationError` naming `option`, the form and the range.
    static func densities(_ argument: String, option: String) throws -> FloatListPerAxis {
        let lists = try argument.split(separator: ";", omittingEmptySubsequences: false).map {
            try FloatList.densities(String($0), option: option).values
        }
        return FloatListPerAxis(values: lists)
    }
}

extension PaddingMode: ExpressibleByArgument {}
extension ConvolutionMethod: ExpressibleByArgument {}
extension SignalMode: ExpressibleByArgument {}

/// A failure of a command caused by its input (printed as `Error: …`, exit code 1, no usage text).
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String

    /// A failure with a message.
    init(_ description: String) { self.description = description }
}
