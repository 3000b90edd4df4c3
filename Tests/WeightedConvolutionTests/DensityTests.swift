import Testing
import WeightedConvolution
import TestSupport

/// Density values and their exact parameter gradients. Φ is a product of a few Float factors,
/// so values are compared to within 1e-6; gradients against central finite differences in Float
/// with step 1e-2, where Φ is a polynomial of low degree in each parameter (truncation error
/// O(h²) ≈ 1e-4 relative), hence the 2e-3 tolerance.
@Suite struct DensityTests {
    @Test func referenceProfileIsSymmetricWithUnitCentre() throws {
        let phi = try Density.symmetric([0.25, 0.15, 0.55]).values(kernelSize: [7])
        #expect(phi == [0.25, 0.15, 0.55, 1, 0.55, 0.15, 0.25])
    }

    @Test func twoDimensionalDensityIsTheOuterProduct() throws {
        let alpha: [Float] = [1.5, 0.75, 1, 0.75, 1.5]
        let phi = try Density.symmetric([1.5, 0.75]).values(kernelSize: [5, 5])
        for i in 0..<5 { for j in 0..<5 { #expect(phi[i * 5 + j] == alpha[i] * alpha[j]) } }
    }

    @Test(arguments: [1, 2, 3, 4])
    func isotropicDensityOfAnyRank(rank: Int) throws {
        let alpha: [Float] = [0.5, 1, 0.5]
        let phi = try Density.symmetric([0.5]).values(kernelSize: [Int](repeating: 3, count: rank))
        #expect(phi.count == Int(pow3(rank)))
        for (index, value) in zip(allIndices([Int](repeating: 3, count: rank)), phi) {
            #expect(value == index.reduce(Float(1)) { $0 * alpha[$1] })
        }
    }

    @Test func singleTapKernelHasUnitDensity() throws {
        #expect(try Density.symmetric([]).values(kernelSize: [1, 1]) == [1])
    }

    @Test func anisotropicDensities() throws {
        let phi = try Density.symmetric(perAxis: [[0.7], [0.2, 0.8]]).values(kernelSize: [3, 5])
        let rows: [Float] = [0.7, 1, 0.7], columns: [Float] = [0.2, 0.8, 1, 0.8, 0.2]
        for i in 0..<3 { for j in 0..<5 { #expect(phi[i * 5 + j] == rows[i] * columns[j]) } }
        let tall = try Density.symmetric(perAxis: [[0.2, 0.5, 0.9], []]).values(kernelSize: [7, 1])
        #expect(tall == [0.2, 0.5, 0.9, 1, 0.9, 0.5, 0.2])
    }

    @Test func freeProfilesNeedNotBeSymmetric() throws {
        let phi = try Density.profiles(perAxis: [[1, 2], [3, 4, 5]]).values(kernelSize: [2, 3])
        #expect(phi == [3, 4, 5, 6, 8, 10])
    }

    @Test func gaussianIsRadial() throws {
        let phi = try Density.gaussian(sigma: 1.5).values(kernelSize: [5, 5])
        #expect(phi[12] == 1)
        #expect(abs(phi[0] - expf(-8 / (2 * 2.25))) < 1e-6)
        #expect(phi[1] == phi[5])
    }

    @Test func uniformDensityIsOne() throws {
        #expect(try Density.uniform.values(kernelSize: [2, 3]) == [Float](repeating: 1, count: 6))
    }

    static let trainable: [(String, Density, [Int])] = [
        ("isotropic 1-D", .symmetric([0.25, 0.15, 0.55]), [7]),
        ("isotropic 2-D", .symmetric([0.8, 1.3]), [5, 5]),
        ("isotropic 3-D", .symmetric([0.6]), [3, 3, 3]),
        ("anisotropic", .symmetric(perAxis: [[0.7], [0.2, 0.8]]), [3, 5]),
        ("profiles", .profiles(perAxis: [[0.3, 1.2], [0.5, 0.9, 1.1]]), [2, 3]),
        ("gaussian", .gaussian(sigma: 1.3), [5, 3]),
    ]

    @Test(arguments: trainable)
    func parameterGradientMatchesFiniteDifferences(_ name: String, _ density: Density, _ kernelSize: [Int]) throws {
        var random = TestRandom(seed: 7)
        let gradPhi = random.values(kernelSize.reduce(1, *))
        func loss(_ d: Density) throws -> Double {
            zip(try d.values(kernelSize: kernelSize), gradPhi).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        let analytic = try density.parameterGradient(kernelSize: kernelSize, gradPhi: gradPhi)
        #expect(analytic.count == density.parameters.count)
        let h: Float = 1e-2
        for p in density.parameters.indices {
            var plus = density, minus = density
            plus.parameters[p] += h
            minus.parameters[p] -= h
            let numeric = (try loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(Double(analytic[p]) - numeric) <= 2e-3 * max(1, abs(numeric)), "\(name) parameter \(p)")
        }
    }

    @Test func wrongDenLengthIsAnError() {
        #expect(throws: ConvolutionError.self) { try Density.symmetric([0.5, 0.5]).values(kernelSize: [3, 3]) }
        #expect(throws: ConvolutionError.self) { try Density.symmetric([0.5]).values(kernelSize: [3, 5]) }
    }

    @Test func evenKernelHasNoCentre() {
        #expect {
            try Density.symmetric([0.5]).values(kernelSize: [4, 4])
        } throws: { error in
            "\(error)".contains("even sizes have no centre")
        }
    }

    @Test func perAxisDensityNeedsOneProfilePerAxis() {
        #expect(throws: ConvolutionError.self) { try Density.symmetric(perAxis: [[0.5]]).values(kernelSize: [3, 3]) }
        #expect(throws: ConvolutionError.self) { try Density.profiles(perAxis: [[1, 2]]).values(kernelSize: [3]) }
    }

    /// `parameters` is public and mutable: a count that does not fit the form is an error, not a
    /// read past the end of the array.
    @Test func parametersOfTheWrongCountAreAnError() {
        var density = Density.symmetric(perAxis: [[0.5], [0.2, 0.8]])
        density.parameters = [0.5, 0.2]
        #expect(throws: ConvolutionError.self) { try density.values(kernelSize: [3, 5]) }
        #expect(throws: ConvolutionError.self) { try density.parameterGradient(kernelSize: [3, 5], gradPhi: .init(repeating: 1, count: 15)) }
        var profiles = Density.profiles(perAxis: [[1, 2, 1]])
        profiles.parameters = [1, 2, 1, 4]
        #expect(throws: ConvolutionError.self) { try profiles.values(kernelSize: [3]) }
        var uniform = Density.uniform
        uniform.parameters = [2]
        #expect(throws: ConvolutionError.self) { try uniform.values(kernelSize: [3]) }
    }

    @Test func nonFiniteParametersAreAnError() {
        #expect(throws: ConvolutionError.self) { try Density.symmetric([.nan]).values(kernelSize: [3]) }
    }

    @Test func gradientOfWrongLengthIsAnError() {
        #expect(throws: ConvolutionError.self) {
            try Density.symmetric([0.5]).parameterGradient(kernelSize: [3], gradPhi: [1, 2])
        }
    }
}

private func pow3(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 3 } }

#if canImport(Glibc)
import Glibc
#endif
