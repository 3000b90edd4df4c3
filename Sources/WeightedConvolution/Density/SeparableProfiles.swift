import GridCore

/// One axis of a separable density: the profile values and where each comes from.
struct AxisProfile {
    /// `α_a`, one value per tap.
    var values: [Float]
    /// For each tap, the index in ``Density/parameters`` it reads, or -1 for the fixed centre 1.
    var parameterIndex: [Int]

    /// The symmetric profile `[d₁ … dₙ, 1, dₙ … d₁]` whose `dᵢ` are parameters `first + i`.
    static func symmetric(_ parameters: [Float], first: Int, count n: Int) -> AxisProfile {
        let index = (0..<(2 * n + 1)).map { tap in tap == n ? -1 : first + min(tap, 2 * n - tap) }
        return AxisProfile(values: index.map { $0 < 0 ? 1 : parameters[$0] }, parameterIndex: index)
    }
}

extension Density {
    /// The per-axis profiles of a separable form for a kernel of `kernelSize`.
    /// - Throws: ``ConvolutionError/invalidDensity(_:)`` when lengths and sizes disagree.
    func axisProfiles(kernelSize: [Int]) throws(ConvolutionError) -> [AxisProfile] {
        switch form {
        case .isotropicSymmetric:
            let n = parameters.count
            for (axis, k) in kernelSize.enumerated() where k != 2 * n + 1 {
                throw .invalidDensity(
                    "den of length \(n) needs kernels of size \(2 * n + 1) on every axis, axis \(axis) has \(k)"
                        + (k % 2 == 0 ? " (even sizes have no centre)" : " (den needs \((k - 1) / 2) values)"))
            }
            return kernelSize.map { _ in .symmetric(parameters, first: 0, count: n) }
        case .symmetricPerAxis(let lengths):
            try checkAxisCount(lengths, kernelSize)
            var first = 0
            return try zip(lengths, kernelSize).enumerated().map { (axis, pair) throws(ConvolutionError) in
                let (n, k) = pair
                guard k == 2 * n + 1 else {
                    throw .invalidDensity(
                        "axis \(axis): den of length \(n) needs kernel size \(2 * n + 1), got \(k)"
                            + (k % 2 == 0 ? " (even sizes have no centre)" : ""))
                }
                defer { first += n }
                return .symmetric(parameters, first: first, count: n)
            }
        case .profilesPerAxis(let lengths):
            try checkAxisCount(lengths, kernelSize)
            var first = 0
            return try zip(lengths, kernelSize).enumerated().map { (axis, pair) throws(ConvolutionError) in
                let (n, k) = pair
                guard n == k else { throw .invalidDensity("axis \(axis): profile of length \(n) for kernel size \(k)") }
                defer { first += n }
                return AxisProfile(values: Array(parameters[first..<(first + n)]), parameterIndex: Array(first..<(first + n)))
            }
        case .uniform, .offsetFunction:
            preconditionFailure("axisProfiles is only defined for separable forms")
        }
    }

    private func checkAxisCount(_ lengths: [Int], _ kernelSize: [Int]) throws(ConvolutionError) {
        guard lengths.count == kernelSize.count else {
            throw .invalidDensity("density has \(lengths.count) axes, kernel \(kernelSize) has \(kernelSize.count)")
        }
    }
}

/// The outer product `α₁ ⊗ α₂ ⊗ … ⊗ α_D` and the gradient of a loss with respect to each factor.
struct OuterProduct {
    let profiles: [[Float]]

    /// `Φ[o] = ∏_a α_a[o_a]`, row-major.
    func values() -> [Float] {
        var result: [Float] = []
        RowMajor.forEachIndex(profiles.map(\.count)) { tap in
            var value: Float = 1
            for axis in tap.indices { value *= profiles[axis][tap[axis]] }
            result.append(value)
        }
        return result
    }

    /// `∂L/∂α_a[j] = Σ_{o: o_a = j} ∂L/∂Φ[o] · ∏_{b≠a} α_b[o_b]`, in `Double`.
    func profileGradients(_ gradPhi: [Float]) -> [[Double]] {
        let sizes = profiles.map(\.count)
        var gradients = sizes.map { [Double](repeating: 0, count: $0) }
        var position = 0
        RowMajor.forEachIndex(sizes) { tap in
            let g = Double(gradPhi[position])
            position += 1
            for axis in sizes.indices {
                var others: Double = 1
                for b in sizes.indices where b != axis { others *= Double(profiles[b][tap[b]]) }
                gradients[axis][tap[axis]] += g * others
            }
        }
        return gradients
    }
}
