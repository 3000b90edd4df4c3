import Foundation

/// The box of density values a study searches: bounds for every entry of the symmetric profile
/// (outermost first), one profile for every axis (isotropic) or one per spatial axis
/// (anisotropic).
public struct DensityBox: Codable, Sendable, Equatable {
    /// Per profile (one for an isotropic density, one per axis otherwise): the lower bound of
    /// each entry, outermost first.
    public let lower: [[Double]]
    /// The upper bounds, same layout as ``lower``.
    public let upper: [[Double]]
    /// The flat box the optimiser searches (profiles concatenated).
    public let searchBox: SearchBox

    /// A box; every profile has the same number of entries.
    /// - Throws: ``TuningError`` for no profile, profiles of different lengths, counts that do
    ///   not match, or bounds that are not finite with lower < upper.
    public init(lower: [[Double]], upper: [[Double]]) throws(TuningError) {
        guard !lower.isEmpty, lower.count == upper.count, zip(lower, upper).allSatisfy({ $0.count == $1.count }) else {
            throw TuningError("a density box needs the same number of lower and upper bounds per profile, got \(lower) and \(upper)")
        }
        guard let size = lower.first?.count, size > 0, lower.allSatisfy({ $0.count == size }) else {
            throw TuningError("every profile of a density box needs the same (non-zero) number of entries, got \(lower.map(\.count))")
        }
        searchBox = try SearchBox(lower: lower.flatMap { $0 }, upper: upper.flatMap { $0 })
        self.lower = lower
        self.upper = upper
    }

    private enum CodingKeys: String, CodingKey { case lower, upper }

    /// Decodes a box and checks it like ``init(lower:upper:)`` (a damaged study file is an error).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(lower: container.decode([[Double]].self, forKey: .lower),
                      upper: container.decode([[Double]].self, forKey: .upper))
    }

    /// The boxes suggested in the paper (outer → inner): 3×3 `[0.5, 1.5]`; 5×5 `[0.05, 1]`,
    /// `[0.5, 1.5]`; 7×7 `[0.05, 0.5]`, `[0.15, 1.0]`, `[0.25, 1.5]`; for other sizes every entry
    /// in `[0.05, 1.5]`. `axes` > 1 repeats the box for each axis (an anisotropic search).
    /// - Throws: ``TuningError`` for an even kernel size or one below 3, or `axes` < 1.
    public static func suggested(kernelSize: Int, axes: Int = 1) throws(TuningError) -> DensityBox {
        guard kernelSize >= 3, kernelSize % 2 == 1 else {
            throw TuningError("a density box needs an odd kernel size of at least 3, got \(kernelSize)")
        }
        guard axes >= 1 else { throw TuningError("a density box needs at least one axis, got \(axes)") }
        let bounds: [(Double, Double)] = switch kernelSize {
        case 3: [(0.5, 1.5)]
        case 5: [(0.05, 1), (0.5, 1.5)]
        case 7: [(0.05, 0.5), (0.15, 1.0), (0.25, 1.5)]
        default: Array(repeating: (0.05, 1.5), count: kernelSize / 2)
        }
        return try DensityBox(lower: Array(repeating: bounds.map(\.0), count: axes), upper: Array(repeating: bounds.map(\.1), count: axes))
    }

    /// Entries per profile.
    public var entries: Int { lower[0].count }
    /// The kernel size the profiles fit, `2·entries + 1`.
    public var kernelSize: Int { 2 * entries + 1 }
    /// The point of standard convolution: every density value 1 (it may lie outside the box).
    public var standardPoint: [Double] { Array(repeating: 1, count: lower.count * entries) }

    /// The profiles of a flat point, one per profile of the box.
    public func profiles(_ point: [Double]) -> [[Float]] {
        precondition(point.count == lower.count * entries, "a point of \(point.count) values for a box of \(lower.count * entries)")
        return (0..<lower.count).map { p in point[(p * entries)..<((p + 1) * entries)].map { Float($0) } }
    }

    /// A point as it is pasted into `--den` (isotropic) or `--den-per-axis` (anisotropic).
    public func argument(_ point: [Double]) -> String {
        profiles(point).map { $0.map { String(format: "%.4g", Double($0)) }.joined(separator: ",") }.joined(separator: ";")
    }

    /// `[0.05, 0.5] × [0.15, 1] × …`, one line per profile.
    public var description: String {
        zip(lower, upper).map { l, u in zip(l, u).map { "[\($0), \($1)]" }.joined(separator: " × ") }.joined(separator: "; ")
    }
}
