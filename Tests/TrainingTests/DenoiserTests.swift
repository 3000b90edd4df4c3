import Datasets
import Models
import Testing
import Training

/// Whole-image denoising: any image size (even 1×1), and tiles that give the untiled result.
@Suite struct DenoiserTests {
    func model() -> DnCNN {
        DnCNN(channels: 1, depth: 3, width: 4, kernelSize: 3, zeroLastLayer: false,
              factory: ConvolutionFactory(kind: .weighted(den: [0.6], trainable: false), seed: 5))
    }

    func image(height: Int, width: Int) -> Image {
        Image(channels: 1, height: height, width: width,
              pixels: (0..<(height * width)).map { Float(($0 * 37) % 101) / 100 })
    }

    /// Images smaller than the padding multiple used to read memory outside the image.
    @Test(arguments: [(1, 1), (1, 5), (2, 3), (3, 3), (5, 2)])
    func tinyImagesAreDenoised(height: Int, width: Int) throws {
        let restored = try Denoiser(model: model()).denoise(image(height: height, width: width))
        #expect(restored.height == height && restored.width == width)
        #expect(restored.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    /// Tiles of 4 pixels with 4 pixels of context (≥ the radius 3 of three 3×3 layers) give the
    /// untiled result; the tolerance allows a different summation order in the convolution engine.
    @Test func tiledEqualsUntiled() throws {
        let network = model(), noisy = image(height: 13, width: 18)
        let whole = try Denoiser(model: network, tileSize: 1024).denoise(noisy)
        let tiled = try Denoiser(model: network, tileSize: 4, overlap: 4).denoise(noisy)
        #expect(zip(whole.pixels, tiled.pixels).allSatisfy { abs($0 - $1) <= 1e-6 })
        // Too little context changes the result near tile edges: the comparison can fail.
        let starved = try Denoiser(model: network, multiple: 1, tileSize: 4, overlap: 0).denoise(noisy)
        #expect(zip(whole.pixels, starved.pixels).contains { abs($0 - $1) > 1e-4 })
    }
}
