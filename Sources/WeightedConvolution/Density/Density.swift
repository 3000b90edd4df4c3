/// A density function `Φ` over kernel offsets: the weighted convolution uses the kernel `W ⊙ Φ`.
///
/// Forms:
/// - ``symmetric(_:)``: the reference form. For odd `k = 2n+1` a list `den = [d₁ … dₙ]`,
///   outermost first, gives the profile `α = [d₁, …, dₙ, 1, dₙ, …, d₁]` and `Φ = α ⊗ α ⊗ …`
///   on every axis (isotropic).
/// - ``symmetric(perAxis:)``: anisotropic, a different `den` (hence kernel size) per axis,
///   e.g. `[[0.7], [0.2, 0.8]]` for a 3×5 kernel, `[[0.2, 0.5, 0.9], []]` for 7×1.
/// - ``profiles(perAxis:)``: an arbitrary profile per axis (any length, not necessarily
///   symmetric, no fixed centre); `Φ = α₁ ⊗ α₂ ⊗ …`.
/// - ``gaussian(sigma:)`` and ``offsetFunction(_:parameters:)``: non-separable, `Φ(o) = f(o; θ)`
///   of the offset vector `o` from the kernel centre (`(k−1)/2` on each axis).
/// - ``uniform``: `Φ ≡ 1`, the ordinary convolution.
///
/// Every form has the exact gradient of `Φ` with respect to ``parameters``
/// (``parameterGradient(kernelSize:gradPhi:)``), so a density can be trained.
///
/// ```swift
/// let density = Density.symmetric([0.25, 0.15, 0.55])   // 7-tap reference profile
/// let phi = try density.values(kernelSize: [7, 7])       // 49 values, Φ[3,3] = 1
/// ```
public struct Density: Sendable {
    /// The trainable values: `den` for the symmetric forms (concatenated per axis), the profile
    /// entries for ``profiles(perAxis:)``, `θ` for offset functions, none for ``uniform``.
    /// Their count is checked against the form whenever `Φ` is computed: a per-axis form given
    /// the wrong number is a thrown ``ConvolutionError/invalidDensity(_:)``.
    public var parameters: [Float]
    /// The form, which fixes how ``parameters`` map to `Φ`.
    public let form: Form

    /// How parameters define `Φ`.
    public enum Form: Sendable {
        /// `Φ ≡ 1`.
        case uniform
        /// One symmetric `den` shared by every axis.
        case isotropicSymmetric
        /// A symmetric `den` per axis; `lengths[a]` values for axis `a` (kernel size `2·lengths[a]+1`).
        case symmetricPerAxis(lengths: [Int])
        /// A free profile per axis; `lengths[a]` values for axis `a` (its kernel size).
        case profilesPerAxis(lengths: [Int])
        /// A function of the offset vector.
        case offsetFunction(OffsetDensity)
    }

    /// A density of the given form with the given parameters (checked against the form when
    /// `Φ` is computed).
    /// - Parameters:
    ///   - form: how the parameters map to `Φ`.
    ///   - parameters: the values, e.g. kept by a training framework's parameter.
    public init(form: Form, parameters: [Float]) {
        self.form = form
        self.parameters = parameters
    }

    /// The density of an ordinary convolution, `Φ ≡ 1`, for any kernel size.
    public static let uniform = Density(form: .uniform, parameters: [])

    /// The reference isotropic symmetric density: `α = [d₁ … dₙ, 1, dₙ … d₁]` on every axis.
    /// - Parameter den: outermost first; `n` values for kernels of size `2n+1` (`[]` for `k = 1`).
    public static func symmetric(_ den: [Float]) -> Density {
        Density(form: .isotropicSymmetric, parameters: den)
    }

    /// An anisotropic symmetric density: axis `a` has the profile `[den[a]…, 1, …reversed]`.
    /// - Parameter perAxis: one `den` per spatial axis, outermost first.
    public static func symmetric(perAxis: [[Float]]) -> Density {
        Density(form: .symmetricPerAxis(lengths: perAxis.map(\.count)), parameters: perAxis.flatMap { $0 })
    }

    /// A separable density from free per-axis profiles `α_a` (one value per tap, any length).
    public static func profiles(perAxis: [[Float]]) -> Density {
        Density(form: .profilesPerAxis(lengths: perAxis.map(\.count)), parameters: perAxis.flatMap { $0 })
    }

    /// The radial Gaussian `Φ(o) = exp(−‖o‖² / (2σ²))`, non-separable in form, with `σ` trainable.
    public static func gaussian(sigma: Float) -> Density {
        Density(form: .offsetFunction(.gaussian), parameters: [sigma])
    }

    /// A non-separable density given as a function of the offset vector.
    /// - Parameters:
    ///   - function: `Φ(o; θ)` and its gradient with respect to `θ`.
    ///   - parameters: the initial `θ`.
    public static func offsetFunction(_ function: OffsetDensity, parameters: [Float]) -> Density {
        Density(form: .offsetFunction(function), parameters: parameters)
    }

    /// Whether `Φ` is identically 1 (no weighting at all).
    public var isUniform: Bool {
        if case .uniform = form { return true }
        return false
    }

    /// `Φ` for a kernel of the given spatial size, row-major.
    /// - Parameter kernelSize: `[k₁ … k_D]`.
    /// - Returns: `∏k` values.
    /// - Throws: ``ConvolutionError/invalidDensity(_:)`` when the density does not fit the kernel
    ///   (wrong `den` length, even size where a centre is needed, wrong number of axes,
    ///   non-finite parameters, or a function of the offset that is not finite there, such as a
    ///   Gaussian with `σ = 0`).
    /// - Complexity: O(∏k · D).
    public func values(kernelSize: [Int]) throws(ConvolutionError) -> [Float] {
        try validate(kernelSize: kernelSize)
        switch form {
        case .uniform:
            return [Float](repeating: 1, count: kernelSize.reduce(1, *))
        case .offsetFunction(let function):
            let values = OffsetGrid(kernelSize: kernelSize).offsets.map { function.value($0, parameters) }
            guard values.allSatisfy(\.isFinite) else {
                throw .invalidDensity("\(function.name) with parameters \(parameters) is not finite on a \(kernelSize) kernel (a Gaussian needs σ ≠ 0)")
            }
            return values
        default:
            let profiles = try axisProfiles(kernelSize: kernelSize)
            return OuterProduct(profiles: profiles.map(\.values)).values()
        }
    }

    /// The exact gradient of a loss with respect to ``parameters``, given `∂L/∂Φ`.
    ///
    /// For separable forms, `∂Φ(o)/∂α_a[j] = [o_a = j] · ∏_{b≠a} α_b[o_b]`, summed into the
    /// parameter each `α_a[j]` comes from (a `den` value appears twice per axis, and on every axis
    /// in the isotropic form).
    /// - Parameters:
    ///   - kernelSize: `[k₁ … k_D]`.
    ///   - gradPhi: `∂L/∂Φ`, `∏k` values, row-major.
    /// - Returns: one value per parameter.
    /// - Throws: ``ConvolutionError/invalidDensity(_:)`` as ``values(kernelSize:)``, or
    ///   ``ConvolutionError/shapeMismatch(_:)`` when `gradPhi` has the wrong length.
    public func parameterGradient(kernelSize: [Int], gradPhi: [Float]) throws(ConvolutionError) -> [Float] {
        try validate(kernelSize: kernelSize)
        let count = kernelSize.reduce(1, *)
        guard gradPhi.count == count else {
            throw .shapeMismatch("∂Φ has \(gradPhi.count) values, kernel \(kernelSize) has \(count)")
        }
        var gradient = [Double](repeating: 0, count: parameters.count)
        switch form {
        case .uniform:
            break
        case .offsetFunction(let function):
            for (offset, g) in zip(OffsetGrid(kernelSize: kernelSize).offsets, gradPhi) {
                for (p, d) in function.gradient(offset, parameters).enumerated() { gradient[p] += Double(g * d) }
            }
        default:
            let profiles = try axisProfiles(kernelSize: kernelSize)
            let perTap = OuterProduct(profiles: profiles.map(\.values)).profileGradients(gradPhi)
            for (axis, profile) in profiles.enumerated() {
                for (tap, parameter) in profile.parameterIndex.enumerated() where parameter >= 0 {
                    gradient[parameter] += perTap[axis][tap]
                }
            }
        }
        return gradient.map { Float($0) }
    }

    private func validate(kernelSize: [Int]) throws(ConvolutionError) {
        guard !kernelSize.isEmpty, kernelSize.allSatisfy({ $0 >= 1 }) else {
            throw .invalidDensity("kernel size \(kernelSize) must have positive extents")
        }
        guard parameters.allSatisfy(\.isFinite) else {
            throw .invalidDensity("parameters must be finite, got \(parameters)")
        }
        if let expected = parameterCount, parameters.count != expected {
            throw .invalidDensity("the form needs \(expected) parameters, got \(parameters.count) (\(parameters))")
        }
    }

    /// The number of parameters the form fixes (`nil` where any number fits: the isotropic
    /// profile's length sets the kernel size, and offset functions take what they read).
    private var parameterCount: Int? {
        switch form {
        case .uniform: 0
        case .symmetricPerAxis(let lengths), .profilesPerAxis(let lengths): lengths.reduce(0, +)
        case .isotropicSymmetric, .offsetFunction: nil
        }
    }
}
