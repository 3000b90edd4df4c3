import ArgumentParser

/// The arms `compare --arms` names, in order: `standard`, `weighted`, `fixed`, `trainable` and
/// `tuned:STUDY`; at least one, each at most once.
struct ArmList: Sendable {
    /// One arm of the comparison.
    enum Choice: Equatable, Sendable {
        case standard, weighted, fixed, trainable
        /// The density the `wconv tune` study of this name chose.
        case tuned(study: String)

        /// The arm's name in the folders and tables.
        var name: String {
            switch self {
            case .standard: "standard"
            case .weighted: "weighted"
            case .fixed: "fixed"
            case .trainable: "trainable"
            case .tuned: "tuned"
            }
        }
    }

    /// The arms, in the order given.
    let choices: [Choice]

    /// The accepted forms, for help and errors.
    static let forms = "standard, weighted, fixed, trainable, tuned:STUDY"

    /// Parses `standard,weighted,…`.
    /// - Throws: `ValidationError` for an empty list, an unknown name, `tuned:` without a study,
    ///   or an arm named twice, listing the accepted forms.
    @Sendable static func parse(_ argument: String) throws -> ArmList {
        let choices = try argument.split(separator: ",", omittingEmptySubsequences: false).map { item throws -> Choice in
            let name = item.trimmingCharacters(in: .whitespaces)
            switch name {
            case "standard": return .standard
            case "weighted": return .weighted
            case "fixed": return .fixed
            case "trainable": return .trainable
            case _ where name.hasPrefix("tuned:") && name.count > "tuned:".count: return .tuned(study: String(name.dropFirst("tuned:".count)))
            default: throw ValidationError("--arms takes a comma-separated list of \(forms), got '\(name)' in '\(argument)'")
            }
        }
        let names = choices.map(\.name)
        guard Set(names).count == names.count else { throw ValidationError("--arms names an arm twice: '\(argument)'") }
        return ArmList(choices: choices)
    }
}
