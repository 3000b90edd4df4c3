import Synchronization

/// Chooses the algorithm for a geometry and caches prepared engines.
///
/// TEMPORARY: only the direct path exists yet; the FFT path and the cost model replace this.
public final class ConvolutionPlanner: Sendable {
    /// The process-wide planner.
    public static let shared = ConvolutionPlanner()

    /// The method that runs for `geometry` when `requested` is asked for.
    public func method(for geometry: ConvolutionGeometry, requested: ConvolutionMethod) -> ConvolutionMethod {
        .direct
    }

    /// A prepared engine for `geometry` and a concrete method.
    public func engine(for geometry: ConvolutionGeometry, method: ConvolutionMethod) -> any ConvolutionEngine {
        DirectConvolution(geometry: geometry)
    }
}
