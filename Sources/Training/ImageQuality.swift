/// Image quality measures of a restored image against its reference.
public enum ImageQuality {
    /// The structural similarity index (Wang et al. 2004) of single-channel images in `[0, 1]`,
    /// with the usual 11×11 Gaussian window (σ = 1.5), `K₁ = 0.01`, `K₂ = 0.03`, averaged over the
    /// valid window positions; for several channels, the mean over channels.
    ///
    /// An image with a side under 11 pixels (which training accepts down to the patch size) is
    /// measured with the largest odd window that fits it, ``ssimWindow(height:width:)``, its
    /// Gaussian narrowed in proportion (σ = 1.5·side/11); such a value is not comparable with
    /// 11×11 values (scikit-image refuses these images instead), so report the window with it.
    /// - Precondition: both images are `channels × height × width` with sides ≥ 1.
    public static func ssim(_ a: [Float], _ b: [Float], channels: Int, height: Int, width: Int) -> Double {
        precondition(a.count == b.count && a.count == channels * height * width && height >= 1 && width >= 1,
                     "SSIM needs two images of the same shape")
        let side = ssimWindow(height: height, width: width)
        let radius = side / 2
        let sigma = 1.5 * Double(side) / 11
        let weights: [Double] = (-radius...radius).map { (offset: Int) -> Double in
            let d = Double(offset)
            return exp(-d * d / (2 * sigma * sigma))
        }
        let norm = weights.reduce(0, +)
        let g = weights.map { $0 / norm }
        let (c1, c2) = (0.01 * 0.01, 0.03 * 0.03)
        var total = 0.0
        for channel in 0..<channels {
            let base = channel * height * width
            var sum = 0.0, count = 0
            for y in radius..<(height - radius) {
                for x in radius..<(width - radius) {
                    var (ma, mb, saa, sbb, sab) = (0.0, 0.0, 0.0, 0.0, 0.0)
                    for dy in -radius...radius {
                        for dx in -radius...radius {
                            let w = g[dy + radius] * g[dx + radius]
                            let i = base + (y + dy) * width + x + dx
                            let (va, vb) = (Double(a[i]), Double(b[i]))
                            ma += w * va; mb += w * vb
                            saa += w * va * va; sbb += w * vb * vb; sab += w * va * vb
                        }
                    }
                    let (va, vb, cov) = (saa - ma * ma, sbb - mb * mb, sab - ma * mb)
                    sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
                    count += 1
                }
            }
            total += sum / Double(count)
        }
        return total / Double(channels)
    }

    /// The side of the square window ``ssim(_:_:channels:height:width:)`` uses on an image of
    /// `height × width`: 11, or the largest odd side that fits a smaller image.
    public static func ssimWindow(height: Int, width: Int) -> Int {
        let side = max(1, min(11, height, width))
        return side.isMultiple(of: 2) ? side - 1 : side
    }
}

#if canImport(Glibc)
import Glibc
#endif
