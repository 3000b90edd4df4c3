/// Whether the tests were compiled without optimisation (`swift test` without `-c release`).
///
/// The suite runs in both configurations; the few cases that take minutes unoptimised are
/// disabled in debug with `.disabled(if: isDebugBuild, "…")` and run in the release pass.
public let isDebugBuild: Bool = {
    #if DEBUG
    return true
    #else
    return false
    #endif
}()
