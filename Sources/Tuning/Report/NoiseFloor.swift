import Foundation
import Training

/// How much the objective moves with the seed alone, from the standard and hand-picked densities
/// evaluated on the noise seeds: the resolution below which a search on `n` seeds per evaluation
/// cannot tell two densities apart.
public struct NoiseFloor: Codable, Sendable, Equatable {
    /// Seed spread (sample standard deviation over the noise seeds) of the objective, pooled over
    /// the arms measured (root mean square of their spreads).
    public var seedSpread: Double
    /// Seeds per search evaluation.
    public var searchSeeds: Int
    /// Hand-picked minus standard on the noise seeds, paired by seed (nil without a hand-picked density).
    public var referenceMinusStandard: PairedDifference?

    /// The noise floor of a study's noise measurement, or nil when it has none.
    /// - Parameters:
    ///   - noise: the noise records (standard first, then hand-picked).
    ///   - searchSeeds: seeds per search evaluation.
    public init?(noise: [EvaluationRecord], searchSeeds: Int) {
        let spreads = noise.filter { $0.failure == nil }.map(\.spread).filter(\.isFinite)
        guard !spreads.isEmpty, let standard = noise.first(where: { $0.role == .standard }) else { return nil }
        seedSpread = (spreads.map { $0 * $0 }.reduce(0, +) / Double(spreads.count)).squareRoot()
        self.searchSeeds = searchSeeds
        referenceMinusStandard = noise.first { $0.role == .reference }.map { PairedDifference($0.scores, standard.scores) }
    }

    /// The smallest difference of two search scores (means over ``searchSeeds`` seeds) that noise
    /// alone passes in only 5 % of the cases: `1.96·s·√(2/n)`.
    public var resolution: Double { 1.959964 * seedSpread * (2 / Double(searchSeeds)).squareRoot() }

    /// Lines for the report and the console.
    public func lines(objective: TuningObjective) -> [String] {
        var lines = [String(format: "noise floor: the seed spread of the %@ is %.3f; with %d seed(s) per search evaluation, two densities "
                            + "whose search scores differ by less than %.3f cannot be told apart (1.96·s·√(2/n))",
                            objective.label, seedSpread, searchSeeds, resolution)]
        if let referenceMinusStandard {
            lines.append("hand-picked − standard on the noise seeds: " + referenceMinusStandard.summary)
        }
        return lines
    }
}
