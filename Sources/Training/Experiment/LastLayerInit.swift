/// How a DnCNN's last layer starts (stored in an ``Experiment`` as `zeroLastLayer`).
public enum LastLayerInit: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// At zero: the residual network starts as the identity, at the noisy input's PSNR.
    case zero
    /// Kaiming fan-out, as the reference implementation (it can end below the noisy input).
    case kaiming

    /// The name the command line uses.
    public var description: String { rawValue }
}
