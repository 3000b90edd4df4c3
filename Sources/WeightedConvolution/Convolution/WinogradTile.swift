import CMatrixProduct

extension WinogradConvolution {
    /// The 1-D algorithm F(m, r), applied along every axis.
    package enum Tile: Sendable, CaseIterable {
        /// F(2, 3): 4 inputs per 2 outputs (2.25× fewer multiplications than direct in 2-D, 3.4× in 3-D).
        case f2r3
        /// F(4, 3): 6 inputs per 4 outputs (4× fewer multiplications in 2-D).
        case f4r3
        /// F(2, 5): 6 inputs per 2 outputs (1.7× fewer in 1-D, 2.8× in 2-D).
        case f2r5
        /// F(3, 5): 7 inputs per 3 outputs (2.1× fewer in 1-D).
        case f3r5
        /// F(4, 5): 8 inputs per 4 outputs (2.5× fewer in 1-D).
        case f4r5

        /// The outputs per tile and axis, `m`.
        package var outputs: Int {
            switch self {
            case .f2r3, .f2r5: 2
            case .f3r5: 3
            case .f4r3, .f4r5: 4
            }
        }
        /// The kernel taps per axis, `r`.
        package var taps: Int {
            switch self {
            case .f2r3, .f4r3: 3
            case .f2r5, .f3r5, .f4r5: 5
            }
        }
        /// The inputs per tile and axis, `α = m + r − 1`.
        package var alpha: Int { outputs + taps - 1 }

        /// The C name of the algorithm.
        var algorithm: wc_winograd_algorithm {
            switch self {
            case .f2r3: WC_WINOGRAD_F2_3
            case .f4r3: WC_WINOGRAD_F4_3
            case .f2r5: WC_WINOGRAD_F2_5
            case .f3r5: WC_WINOGRAD_F3_5
            case .f4r5: WC_WINOGRAD_F4_5
            }
        }

        /// The transform positions of a tile on `rank` axes, `α^rank`.
        package func positions(rank: Int) -> Int { repeatElement(alpha, count: rank).reduce(1, *) }

        /// The tiles that compute `geometry` (its kernel size, at most 216 transform positions).
        /// - Parameter geometry: a geometry ``WinogradConvolution/supports(_:)`` accepts.
        /// - Returns: the tiles in order of size.
        package static func tiles(for geometry: ConvolutionGeometry) -> [Tile] {
            allCases.filter { tile in
                geometry.kernelSize.allSatisfy { $0 == tile.taps } && tile.positions(rank: geometry.spatialRank) <= 216
            }
        }
    }
}
