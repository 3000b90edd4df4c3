import GridCore

/// The memory the package keeps between convolutions, and its limits.
///
/// Two caches make repeated convolutions cheap, and both are bounded in bytes, dropping the
/// least recently used entries first:
/// - prepared engines (offset tables, adjoint engines, FFT descriptions), one per distinct
///   geometry — batch and spatial size included — at most ``engineCacheLimit`` bytes
///   (default 64 MiB);
/// - idle scratch buffers (padded copies, packing buffers, per-thread accumulators), at most
///   ``workspaceLimit`` bytes (default 256 MiB; a training step of the benchmark models keeps
///   less than that in use).
///
/// A program that convolves inputs of ever-changing sizes (e.g. whole images of a folder) thus
/// reaches a steady memory use; one that repeats a few geometries never re-plans. Lower the
/// limits to trade speed for memory; raising them only helps when many geometries alternate.
public enum ConvolutionMemory {
    /// The default of ``engineCacheLimit``: 64 MiB.
    public static let defaultEngineCacheLimit = 64 << 20
    /// The default of ``workspaceLimit``: 256 MiB.
    public static let defaultWorkspaceLimit = WorkspaceCache.defaultCapacityInBytes

    /// The most bytes of prepared engines kept (least recently used dropped first). Setting it
    /// takes effect at once; an engine still referenced by a running convolution stays alive
    /// until that returns.
    public static var engineCacheLimit: Int {
        get { ConvolutionPlanner.shared.engines.capacityInBytes }
        set { ConvolutionPlanner.shared.engines.capacityInBytes = newValue }
    }

    /// The most bytes of idle scratch buffers kept for reuse (least recently returned freed
    /// first). Setting it takes effect at once; buffers in use are not affected.
    public static var workspaceLimit: Int {
        get { WorkspaceCache.shared.capacityInBytes }
        set { WorkspaceCache.shared.capacityInBytes = newValue }
    }

    /// The bytes kept now: prepared engines and idle scratch buffers.
    public static var retainedBytes: (engines: Int, workspace: Int) {
        (ConvolutionPlanner.shared.engines.bytes, WorkspaceCache.shared.idleBytes)
    }
}
