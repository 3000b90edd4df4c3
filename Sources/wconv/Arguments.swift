import ArgumentParser
import Foundation
import GridCore
import WeightedConvolution

/// Comma-separated integers (at least one), e.g. `2,1,1`.
struct IntegerList<Value: FixedWidthInteger & Sendable>: ExpressibleByArgument, Sendable {
    let values: [Value]

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

/// Seeds, e.g. `1,2,3`.
typealias SeedList = IntegerList<UInt64>

/// A padding: `same`, or per-axis integers (`1` or `1,2`), applied before and after each axis.
enum PaddingArgument: ExpressibleByArgument, Sendable {
    case same
    case symmetric([Int])

    init?(argument: String) {
        if argument == "same" {
            self = .same
        } else if let perAxis = PerAxis(argument: argument) {
            self = .symmetric(perAxis.values)
        } else {
            return nil
        }
    }

    var padding: ConvolutionPadding {
        switch self {
        case .same: .same
        case .symmetric(let values): .symmetric(values)
        }
    }
}

/// Comma-separated floats, e.g. `0.25,0.15,0.55` (empty for a 1-tap kernel).
struct FloatList: ExpressibleByArgument, Sendable {
    let values: [Float]

    init?(argument: String) {
        guard let values = FloatList.parse(argument) else { return nil }
        self.values = values
    }

    static func parse(_ text: String) -> [Float]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.allSatisfy(\.isFinite) else { return nil }
        return values
    }
}

/// Float lists per axis separated by `;`, e.g. `0.7;0.2,0.8` (an empty item for a 1-tap axis).
struct FloatListPerAxis: ExpressibleByArgument, Sendable {
    let values: [[Float]]

    init?(argument: String) {
        let lists = argument.split(separator: ";", omittingEmptySubsequences: false).map { FloatList.parse(String($0)) }
        guard !lists.isEmpty, lists.allSatisfy({ $0 != nil }) else { return nil }
        values = lists.compactMap { $0 }
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
