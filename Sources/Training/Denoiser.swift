import Datasets
import NeuralNetwork

/// Applies a trained denoising model to whole images (fully convolutional), in evaluation mode,
/// padding by reflection to the size multiple the model needs.
public struct Denoiser {
    /// The trained model.
    public let model: any Module
    /// Sides are padded to a multiple of this (NAFNet: `2^levels`).
    public let multiple: Int

    /// A denoiser; `multiple` is 4 by default, enough for the default NAFNet.
    public init(model: any Module, multiple: Int = 4) {
        self.model = model
        self.multiple = multiple
    }

    /// The restored image, clipped to `[0, 1]`.
    /// - Throws: the model's shape errors (e.g. a channel count it was not trained for).
    public func denoise(_ image: Image) throws -> Image {
        model.setTraining(false)
        let (c, h, w) = (image.channels, image.height, image.width)
        let (ph, pw) = ((h + multiple - 1) / multiple * multiple, (w + multiple - 1) / multiple * multiple)
        var padded = [Float](repeating: 0, count: c * ph * pw)
        for ch in 0..<c {
            for y in 0..<ph {
                let sy = y < h ? y : 2 * (h - 1) - y
                for x in 0..<pw {
                    let sx = x < w ? x : 2 * (w - 1) - x
                    padded[(ch * ph + y) * pw + x] = image.pixels[(ch * h + sy) * w + sx]
                }
            }
        }
        let output = try model(Variable(Tensor(shape: [1, c, ph, pw], scalars: padded))).value.scalars
        var pixels = [Float](repeating: 0, count: c * h * w)
        for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            pixels[(ch * h + y) * w + x] = min(max(output[(ch * ph + y) * pw + x], 0), 1)
        } } }
        return Image(channels: c, height: h, width: w, pixels: pixels)
    }
}
