import GridCore

/// The linear map between a volume's own intensities (scanner units, Hounsfield units, stored
/// integers after `scl_slope`/`scl_inter`) and the unit range `[0, 1]` the volume models train
/// and denoise in.
///
/// `lower` is the smaller of 0 and the volume's minimum, `upper` its maximum: a volume without
/// negative values (MRI) is divided by its maximum, so 0 stays 0; one with negative values (CT)
/// is shifted so its minimum becomes 0. A volume whose values are all equal keeps its values
/// (a span of 1). Training (``VolumePatches/unitScaled(_:)``) and denoising use the same map, and
/// a denoised volume goes back to the input's intensities with ``original(_:)``.
public struct IntensityScale: Sendable, Equatable {
    /// The intensity that maps to 0.
    public let lower: Float
    /// The intensity that maps to 1 (equal to ``lower`` plus 1 for a constant volume).
    public let upper: Float

    /// The scale of a volume's values.
    /// - Throws: ``DataError`` naming `source` when a value is not finite.
    public init<let N: Int>(of volume: Grid<N>, source: String = "(volume)") throws(DataError) {
        guard volume.isFinite else { throw DataError(source, "the volume has NaN or infinite values") }
        let lower = min(0, volume.min() ?? 0), peak = volume.max() ?? 0
        self.lower = lower
        self.upper = peak > lower ? peak : lower + 1
    }

    /// `(v − lower) / (upper − lower)` for every value: the volume in the unit range.
    public func unit<let N: Int>(_ volume: Grid<N>) -> Grid<N> {
        let (lower, span) = (lower, upper - lower)
        return volume.map { ($0 - lower) / span }
    }

    /// `v·(upper − lower) + lower` for every value: unit-range values back in the volume's intensities.
    public func original<let N: Int>(_ volume: Grid<N>) -> Grid<N> {
        let (lower, span) = (lower, upper - lower)
        return volume.map { $0 * span + lower }
    }
}
