import NeuralNetwork

/// How a learning rate changes over a run, as the command line (`--schedule`,
/// `--density-schedule`) and the files (run folders, checkpoints, study files) write it:
/// `constant`, `cosine`, `step:S:G`, `restarts:T0:M` or `warmup:E:<schedule>`.
///
/// ``description`` writes those strings and ``init(parsing:)`` reads them (in any case), so
/// files written while the settings stored the text itself still load. The epoch-by-epoch
/// factors come from ``factors(epochs:)``.
public indirect enum LearningRateSchedule: Sendable, Hashable {
    /// The base rate throughout (`constant`).
    case constant
    /// Cosine annealing from the base rate to a thousandth of it over the run (`cosine`).
    case cosine
    /// The rate times `gamma` after every `every` epochs (`step:S:G`; S in 1…10⁶, G in 0…1000).
    case step(every: Int, gamma: Float)
    /// Cosine annealing to a thousandth of the base rate with warm restarts after `period`,
    /// `period·multiplier`, … epochs (`restarts:T0:M`; T0 in 1…10⁶, M in 1…1000).
    case restarts(period: Int, multiplier: Int)
    /// A linear warm-up over `epochs` epochs, then `then` (`warmup:E:<schedule>`; E in 0…10⁶).
    case warmup(epochs: Int, then: LearningRateSchedule)

    /// The forms a schedule takes, for messages and help texts.
    public static let forms = ["constant", "cosine", "step:S:G", "restarts:T0:M", "warmup:E:<schedule>"]

    /// What the forms do and the ranges of their fields, for messages and help texts.
    public static let meanings = "cosine falls to a thousandth of the base rate over the run; step:S:G multiplies it by G every S epochs "
        + "(S in 1…10⁶, G in 0…1000); restarts:T0:M restarts the cosine after T0, T0·M, … epochs (T0 in 1…10⁶, M in 1…1000); "
        + "warmup:E:<schedule> rises linearly over E epochs (E in 0…10⁶), then follows the schedule"

    /// The forms and their ``meanings``, for messages.
    private static var formsExplained: String { "\(forms.joined(separator: ", ")): \(meanings)" }

    /// The most warm-ups one schedule nests (`warmup:1:warmup:2:cosine` nests two).
    public static let maximumWarmups = 16

    /// Reads a schedule written as one of ``forms``, in any case (`Cosine` reads as `cosine`).
    /// - Throws: ``TrainingError`` for an unknown name, a missing or extra field, a field that
    ///   is not a number in its range (counts are whole numbers), or more than
    ///   ``maximumWarmups`` nested warm-ups; the message lists the accepted forms.
    public init(parsing text: String) throws(TrainingError) {
        var parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var warmups: [Int] = []
        while parts.first == "warmup", parts.count >= 3 {
            guard warmups.count < Self.maximumWarmups else {
                throw Self.malformed(text, "more than \(Self.maximumWarmups) nested warm-ups")
            }
            warmups.append(try Self.count(parts[1], in: 0...1_000_000, of: text))
            parts.removeFirst(2)
        }
        /// Throws unless the form has exactly `count` fields after its name.
        func fields(_ count: Int) throws(TrainingError) {
            guard parts.count == count + 1 else {
                throw Self.malformed(text, "\(parts[0]) takes \(count) field(s) after its name, got \(parts.count - 1)")
            }
        }
        var schedule: LearningRateSchedule
        switch parts[0] {
        case "constant":
            try fields(0)
            schedule = .constant
        case "cosine":
            try fields(0)
            schedule = .cosine
        case "step":
            try fields(2)
            guard let gamma = Float(parts[2]), (0...1000).contains(gamma) else {
                throw Self.malformed(text, "the factor \(parts[2]) must be a number in 0…1000")
            }
            schedule = .step(every: try Self.count(parts[1], in: 1...1_000_000, of: text), gamma: gamma)
        case "restarts":
            try fields(2)
            schedule = .restarts(period: try Self.count(parts[1], in: 1...1_000_000, of: text),
                                 multiplier: try Self.count(parts[2], in: 1...1000, of: text))
        default:
            throw TrainingError("unknown schedule '\(text)' (\(Self.formsExplained))")
        }
        for epochs in warmups.reversed() { schedule = .warmup(epochs: epochs, then: schedule) }
        self = schedule
    }

    /// The factor of the base rate at each (zero-based) epoch of a run of `epochs` epochs.
    public func factors(epochs: Int) -> Schedule {
        switch self {
        case .constant: .constant
        case .cosine: .cosine(epochs: epochs, minimum: 1e-3)
        case .step(let every, let gamma): .step(size: every, gamma: gamma)
        case .restarts(let period, let multiplier): .warmRestarts(t0: period, mult: multiplier, minimum: 1e-3)
        case .warmup(let warm, let then): .warmup(epochs: warm, then: then.factors(epochs: epochs))
        }
    }

    /// A count field of `text`: a whole number in `range` (`1e3` is read as 1000).
    private static func count(_ field: String, in range: ClosedRange<Int>, of text: String) throws(TrainingError) -> Int {
        guard let value = Double(field), value.rounded() == value, Double(range.lowerBound) <= value, value <= Double(range.upperBound) else {
            throw malformed(text, "\(field) must be a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(value)
    }

    /// The error for a malformed `text`, saying why and listing the forms.
    private static func malformed(_ text: String, _ why: String) -> TrainingError {
        TrainingError("malformed schedule \(text): \(why) (\(formsExplained))")
    }
}

extension LearningRateSchedule: CustomStringConvertible {
    /// The schedule as ``init(parsing:)`` reads it: `cosine`, `step:3:0.5`, `warmup:2:cosine`, …
    /// (a whole factor without a decimal point: `step:3:2`).
    public var description: String {
        switch self {
        case .constant: "constant"
        case .cosine: "cosine"
        case .step(let every, let gamma):
            "step:\(every):\(gamma.rounded() == gamma ? String(Int(gamma)) : String(describing: gamma))"
        case .restarts(let period, let multiplier): "restarts:\(period):\(multiplier)"
        case .warmup(let epochs, let then): "warmup:\(epochs):\(then)"
        }
    }
}

extension LearningRateSchedule: Codable {
    /// Reads the string ``description`` writes (and any string ``init(parsing:)`` reads).
    /// - Throws: `DecodingError` when the value is not such a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try LearningRateSchedule(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Writes ``description`` as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
