/// An error of a density search or study: a bad box or budget, an optimiser failure, a study
/// file that is corrupt, foreign or made with other settings.
public struct TuningError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, what was expected and what came.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
