import GridCore


/// Seeded weight initialisers, as in the PyTorch/torchvision references.
public enum Initialization {
    /// Kaiming-normal for ReLU networks: `N(0, 2/fan)`; torchvision's VGG and ResNet use
    /// `fan = fan_out = out·∏k`.
    public static func kaimingNormal(shape: [Int], fan: Int, seed: UInt64) -> Tensor {
        normal(shape: shape, standardDeviation: (2 / Float(max(1, fan))).squareRoot(), seed: seed)
    }

    /// `N(0, σ²)` samples.
    public static func normal(shape: [Int], standardDeviation: Float, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in standardDeviation * generator.nextNormal() })
    }

    /// `U(−bound, bound)` samples.
    public static func uniform(shape: [Int], bound: Float, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in bound * (2 * generator.nextUnitFloat() - 1) })
    }
}
