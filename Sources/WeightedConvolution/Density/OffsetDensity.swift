import GridCore

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// A non-separable density `Φ(o; θ)`, a function of the offset vector `o` from the kernel centre,
/// with its exact gradient with respect to the parameters `θ`.
public struct OffsetDensity: Sendable {
    /// A name for messages and metadata, e.g. `"gaussian"`.
    public let name: String
    /// `Φ(o; θ)`.
    public let value: @Sendable (_ offset: [Float], _ parameters: [Float]) -> Float
    /// `∂Φ(o; θ)/∂θ`, one value per parameter.
    public let gradient: @Sendable (_ offset: [Float], _ parameters: [Float]) -> [Float]

    /// A density from a value function and its parameter gradient.
    public init(
        name: String,
        value: @escaping @Sendable ([Float], [Float]) -> Float,
        gradient: @escaping @Sendable ([Float], [Float]) -> [Float]
    ) {
        self.name = name
        self.value = value
        self.gradient = gradient
    }

    /// `Φ(o) = exp(−‖o‖²/(2σ²))` with `θ = [σ]`; `∂Φ/∂σ = Φ·‖o‖²/σ³`.
    public static let gaussian = OffsetDensity(
        name: "gaussian",
        value: { offset, theta in
            let sigma = theta[0]
            return expf(-squaredNorm(offset) / (2 * sigma * sigma))
        },
        gradient: { offset, theta in
            let sigma = theta[0], r2 = squaredNorm(offset)
            return [expf(-r2 / (2 * sigma * sigma)) * r2 / (sigma * sigma * sigma)]
        })
}

private func squaredNorm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 } }

/// The offset vectors of every kernel tap from the kernel centre `(k−1)/2`, row-major.
struct OffsetGrid {
    let offsets: [[Float]]

    init(kernelSize: [Int]) {
        let centres = kernelSize.map { Float($0 - 1) / 2 }
        var offsets: [[Float]] = []
        RowMajor.forEachIndex(kernelSize) { tap in offsets.append(tap.indices.map { Float(tap[$0]) - centres[$0] }) }
        self.offsets = offsets
    }
}
