import Datasets
import GridCore
import NeuralNetwork

/// Applies a trained denoising model to whole images (fully convolutional), in evaluation mode.
///
/// The image is padded to the size multiple the model needs (by reflection, or by repeating the
/// edge for images too small to reflect), then processed in square tiles of ``tileSize`` with
/// ``overlap`` pixels of context on every side, so the memory a photograph needs is bounded by
/// the tile size, not by the photograph. For a model whose output at a pixel depends only on the
/// input within ``overlap`` pixels (DnCNN with `overlap ≥ depth·⌊k/2⌋`) the tiled result equals
/// the untiled one; a model with global operations (NAFNet's channel attention averages over
/// what it sees) gives a close but not identical result.
public struct Denoiser {
    /// The trained model.
    public let model: any Module
    /// Sides are padded to a multiple of this (NAFNet: `2^levels`); tiles start at multiples of it.
    public let multiple: Int
    /// Side of the square tiles that are kept from each model call (rounded up to ``multiple``).
    public let tileSize: Int
    /// Context added around each tile (rounded up to ``multiple``): at least the model's
    /// receptive-field radius for a result identical to the untiled one.
    public let overlap: Int

    /// A denoiser; `multiple` is 4 by default, enough for the default NAFNet; tiles of 256 pixels
    /// with 32 pixels of context (more than the default DnCNN's radius of 16).
    /// - Precondition: `multiple ≥ 1`, `tileSize ≥ 1`, `overlap ≥ 0`.
    public init(model: any Module, multiple: Int = 4, tileSize: Int = 256, overlap: Int = 32) {
        precondition(multiple >= 1 && tileSize >= 1 && overlap >= 0, "denoiser: multiple, tile size ≥ 1, overlap ≥ 0")
        self.model = model
        self.multiple = multiple
        self.tileSize = Self.roundedUp(tileSize, to: multiple)
        self.overlap = Self.roundedUp(overlap, to: multiple)
    }

    /// The restored image, clipped to `[0, 1]`.
    /// - Throws: the model's shape errors (e.g. a channel count it was not trained for).
    public func denoise(_ image: Image) throws -> Image {
        model.setTraining(false)
        let (c, h, w) = (image.channels, image.height, image.width)
        guard c > 0, h > 0, w > 0 else { return image }
        let (ph, pw) = (Self.roundedUp(h, to: multiple), Self.roundedUp(w, to: multiple))
        let canReflect = ph - h < h && pw - w < w
        let padded = try Grid<3>(dims: [c, h, w], scalars: image.pixels)
            .padded(low: [0, 0, 0], high: [0, ph - h, pw - w], mode: canReflect ? .reflect : .replicate)
        var pixels = [Float](repeating: 0, count: c * h * w)
        for top in stride(from: 0, to: h, by: tileSize) {
            for left in stride(from: 0, to: w, by: tileSize) {
                let (inTop, inLeft) = (max(0, top - overlap), max(0, left - overlap))
                let (inBottom, inRight) = (min(ph, top + tileSize + overlap), min(pw, left + tileSize + overlap))
                let window = try padded.cropped(start: [0, inTop, inLeft], size: [c, inBottom - inTop, inRight - inLeft])
                let (th, tw) = (window.dims[1], window.dims[2])
                let output = try model(Variable(Tensor(shape: [1, c, th, tw], scalars: window.scalars))).value.scalars
                for ch in 0..<c {
                    for y in top..<min(h, top + tileSize) {
                        for x in left..<min(w, left + tileSize) {
                            pixels[(ch * h + y) * w + x] = min(max(output[(ch * th + y - inTop) * tw + x - inLeft], 0), 1)
                        }
                    }
                }
            }
        }
        return Image(channels: c, height: h, width: w, pixels: pixels)
    }

    private static func roundedUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
