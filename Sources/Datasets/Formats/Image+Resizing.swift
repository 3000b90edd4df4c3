extension Image {
    /// The image resampled to `height × width` by bilinear interpolation with pixel centres at
    /// half-integer positions (PyTorch's `align_corners=False`; edges clamp). When shrinking by
    /// 2 or more along both axes, the image is first shrunk by the largest integer factor that
    /// keeps it at least the target size by averaging blocks (``downscaled(by:)``), so fine detail
    /// is averaged rather than aliased.
    /// - Precondition: `height ≥ 1` and `width ≥ 1`.
    public func resized(height: Int, width: Int) -> Image {
        precondition(height >= 1 && width >= 1, "resized to \(height)×\(width)")
        let factor = Swift.min(self.height / height, self.width / width)
        let source = factor >= 2 ? downscaled(by: factor) : self
        if source.height == height && source.width == width { return source }
        let (sh, sw) = (source.height, source.width)
        func taps(_ out: Int, _ from: Int, _ to: Int) -> (Int, Int, Float) {
            let position = Swift.max(0, (Float(out) + 0.5) * Float(from) / Float(to) - 0.5)
            let low = Swift.min(Int(position), from - 1)
            return (low, Swift.min(low + 1, from - 1), position - Float(low))
        }
        let rows = (0..<height).map { taps($0, sh, height) }, columns = (0..<width).map { taps($0, sw, width) }
        var result = [Float](repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            for (y, (top, bottom, ty)) in rows.enumerated() {
                for (x, (left, right, tx)) in columns.enumerated() {
                    let plane = c * sh
                    let upper = source.pixels[(plane + top) * sw + left] * (1 - tx) + source.pixels[(plane + top) * sw + right] * tx
                    let lower = source.pixels[(plane + bottom) * sw + left] * (1 - tx) + source.pixels[(plane + bottom) * sw + right] * tx
                    result[(c * height + y) * width + x] = upper * (1 - ty) + lower * ty
                }
            }
        }
        return Image(channels: channels, height: height, width: width, pixels: result)
    }

    /// The central `height × width` region (torchvision's `CenterCrop` offsets:
    /// `round((H − h) / 2)`, `round((W − w) / 2)`).
    /// - Precondition: the region fits the image.
    public func centreCropped(height: Int, width: Int) -> Image {
        precondition(height <= self.height && width <= self.width, "crop of \(height)×\(width) from \(self.height)×\(self.width)")
        let top = Int((Double(self.height - height) / 2).rounded()), left = Int((Double(self.width - width) / 2).rounded())
        var result: [Float] = []
        result.reserveCapacity(channels * height * width)
        for c in 0..<channels {
            for y in 0..<height {
                let start = (c * self.height + top + y) * self.width + left
                result += pixels[start..<(start + width)]
            }
        }
        return Image(channels: channels, height: height, width: width, pixels: result)
    }

    /// The image brought to `size × size`: stretched by ``resized(height:width:)``, or, for
    /// `.centreCrop`, scaled so that its shorter side is `size` (aspect kept) and centre-cropped.
    /// - Precondition: `size ≥ 1`.
    public func fitted(to size: Int, by fit: ImageFit) -> Image {
        switch fit {
        case .resize: return resized(height: size, width: size)
        case .centreCrop:
            let scale = Double(size) / Double(Swift.min(height, width))
            let (h, w) = (Swift.max(size, Int((Double(height) * scale).rounded())), Swift.max(size, Int((Double(width) * scale).rounded())))
            return resized(height: h, width: w).centreCropped(height: size, width: size)
        }
    }
}

/// How an image is brought to a square size.
public enum ImageFit: String, Codable, Sendable, CaseIterable {
    /// Stretched to the size by bilinear interpolation (aspect ratio not kept).
    case resize
    /// Shorter side scaled to the size, then the centre cut out (aspect ratio kept).
    case centreCrop = "centre-crop"
}
