import Foundation
import Testing
import Training

/// SSIM against a slow reference (a 2-D Gaussian window built and normalised directly), on images
/// from 1 pixel to past the usual 11×11 window.
@Suite struct ImageQualityTests {
    /// SSIM by the definition: at each position where the window fits, means, variances and the
    /// covariance under a 2-D Gaussian of side `side` and σ = 1.5·side/11, then the mean index.
    static func reference(_ a: [Float], _ b: [Float], height: Int, width: Int, side: Int) -> Double {
        let r = side / 2, sigma = 1.5 * Double(side) / 11
        var window = [[Double]](repeating: [Double](repeating: 0, count: side), count: side)
        for y in 0..<side { for x in 0..<side { window[y][x] = exp(-Double((y - r) * (y - r) + (x - r) * (x - r)) / (2 * sigma * sigma)) } }
        let total = window.joined().reduce(0, +)
        var sum = 0.0, count = 0
        for top in 0...(height - side) {
            for left in 0...(width - side) {
                var (ma, mb, aa, bb, ab) = (0.0, 0.0, 0.0, 0.0, 0.0)
                for y in 0..<side {
                    for x in 0..<side {
                        let w = window[y][x] / total, i = (top + y) * width + left + x
                        let (va, vb) = (Double(a[i]), Double(b[i]))
                        ma += w * va; mb += w * vb; aa += w * va * va; bb += w * vb * vb; ab += w * va * vb
                    }
                }
                let (c1, c2) = (1e-4, 9e-4)
                sum += (2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2) / ((ma * ma + mb * mb + c1) * (aa - ma * ma + bb - mb * mb + c2))
                count += 1
            }
        }
        return sum / Double(count)
    }

    @Test(arguments: [(1, 1), (2, 3), (4, 4), (5, 7), (10, 10), (11, 11), (12, 17)])
    func ssimMatchesTheReferenceOnSmallAndUsualImages(height: Int, width: Int) {
        let a = (0..<(height * width)).map { Float(($0 * 7919 + height) % 1009) / 1009 }
        let b = a.enumerated().map { min(1, max(0, $1 + 0.1 * Float(sin(Double($0) * 2.3)))) }
        let side = ImageQuality.ssimWindow(height: height, width: width)
        #expect(side == min(11, height, width) - (min(11, height, width).isMultiple(of: 2) ? 1 : 0))
        let value = ImageQuality.ssim(a, b, channels: 1, height: height, width: width)
        let expected = Self.reference(a, b, height: height, width: width, side: side)
        #expect(abs(value - expected) <= 1e-12, "SSIM \(value), reference \(expected)")   // the same sums in another order, in Double
        #expect(abs(ImageQuality.ssim(a, a, channels: 1, height: height, width: width) - 1) <= 1e-12)
    }
}
