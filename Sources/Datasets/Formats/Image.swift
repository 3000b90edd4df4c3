import CCodecs

/// An image as planes of `Float` samples in `[0, 1]`: `[channels, height, width]`, row-major.
public struct Image: Sendable, Equatable {
    /// 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// Rows.
    public let height: Int
    /// Columns.
    public let width: Int
    /// `channels × height × width` samples in `[0, 1]`.
    public var pixels: [Float]

    /// An image from planar samples.
    /// - Precondition: `pixels.count == channels·height·width`.
    public init(channels: Int, height: Int, width: Int, pixels: [Float]) {
        precondition(pixels.count == channels * height * width, "image of \(channels)×\(height)×\(width) needs that many samples")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// The largest image the decoders accept, in pixels (2²⁸ ≈ 268 megapixels, e.g. 16384×16384):
    /// a larger header is refused before anything is allocated, since a few corrupt bytes can
    /// claim dimensions that would need many gigabytes.
    public static let maximumPixels = 1 << 28

    /// Reads a PNG (8/16-bit grey, grey+alpha, RGB, RGBA, palette) or a JPEG, by content.
    /// - Throws: ``DataError`` naming the file when it is missing, of another kind, corrupt or
    ///   truncated (JPEG data that libjpeg only warns about included), or larger than
    ///   ``maximumPixels``.
    public static func read(_ path: String) throws(DataError) -> Image {
        let bytes = try Files.read(path)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try decodePNG(bytes, path: path) }
        if bytes.starts(with: [0xFF, 0xD8]) { return try decodeJPEG(bytes, path: path) }
        throw DataError(path, "neither a PNG nor a JPEG file")
    }

    /// Decodes PNG bytes.
    /// - Throws: ``DataError`` naming `path` for corrupt data or more than ``maximumPixels`` pixels.
    public static func decodePNG(_ bytes: [UInt8], path: String) throws(DataError) -> Image {
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0, depth: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard wc_decode_png(bytes, bytes.count, maximumPixels, &pixels, &width, &height, &channels, &depth, &message, message.count) == 0,
              let pixels else { throw DataError(path, "corrupt PNG: \(decoderMessage(message))") }
        defer { wc_free(pixels) }
        let (c, h, w) = (Int(channels), Int(height), Int(width))
        let samples = c * h * w
        let values: [Float] = depth == 16
            ? UnsafeRawPointer(pixels).withMemoryRebound(to: UInt16.self, capacity: samples) { p in (0..<samples).map { Float(p[$0]) / 65535 } }
            : (0..<samples).map { Float(pixels[$0]) / 255 }
        return Image(interleaved: values, channels: c, height: h, width: w)
    }

    /// Decodes JPEG bytes (grey or RGB).
    /// - Throws: ``DataError`` naming `path` for corrupt or truncated data or more than
    ///   ``maximumPixels`` pixels.
    public static func decodeJPEG(_ bytes: [UInt8], path: String) throws(DataError) -> Image {
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard wc_decode_jpeg(bytes, bytes.count, maximumPixels, &pixels, &width, &height, &channels, &message, message.count) == 0,
              let pixels else { throw DataError(path, "corrupt JPEG: \(decoderMessage(message))") }
        defer { wc_free(pixels) }
        let (c, h, w) = (Int(channels), Int(height), Int(width))
        return Image(interleaved: (0..<(c * h * w)).map { Float(pixels[$0]) / 255 }, channels: c, height: h, width: w)
    }

    /// An image from interleaved samples (`[height, width, channels]`).
    init(interleaved: [Float], channels: Int, height: Int, width: Int) {
        var planar = [Float](repeating: 0, count: interleaved.count)
        for i in 0..<(height * width) { for c in 0..<channels { planar[c * height * width + i] = interleaved[i * channels + c] } }
        self.init(channels: channels, height: height, width: width, pixels: planar)
    }

    /// Interleaved samples rounded to `levels − 1` steps (255 for 8 bits), clamped to `[0, 1]`.
    func interleaved(levels: Float) -> [Int] {
        var result = [Int](repeating: 0, count: pixels.count)
        for i in 0..<(height * width) {
            for c in 0..<channels {
                result[i * channels + c] = Int((min(max(pixels[c * height * width + i], 0), 1) * levels).rounded())
            }
        }
        return result
    }

    /// PNG bytes, 8 or 16 bits per sample (values are clamped to `[0, 1]`).
    /// - Throws: ``DataError`` when libpng refuses the layout.
    public func encodePNG(bitDepth: Int = 8) throws(DataError) -> [UInt8] {
        let samples = interleaved(levels: bitDepth == 16 ? 65535 : 255)
        let raw: [UInt8] = bitDepth == 16
            ? samples.flatMap { value in withUnsafeBytes(of: UInt16(value)) { Array($0) } }
            : samples.map { UInt8($0) }
        return try Files.callCodec(path: "(PNG)") { out, count, message in
            wc_encode_png(raw, Int32(width), Int32(height), Int32(channels), Int32(bitDepth), nil, 0, &out, &count, &message, message.count)
        }
    }

    /// JPEG bytes of the given quality (grey or RGB images only).
    /// - Throws: ``DataError`` when libjpeg refuses the layout.
    public func encodeJPEG(quality: Int = 95) throws(DataError) -> [UInt8] {
        let raw = interleaved(levels: 255).map { UInt8($0) }
        return try Files.callCodec(path: "(JPEG)") { out, count, message in
            wc_encode_jpeg(raw, Int32(width), Int32(height), Int32(channels), Int32(quality), &out, &count, &message, message.count)
        }
    }

    /// Writes the image as an 8-bit PNG, atomically.
    /// - Throws: ``DataError`` when the file cannot be written.
    public func writePNG(to path: String) throws(DataError) {
        do { try Files.atomicWrite(try encodePNG(), to: path) } catch { throw DataError(path, error.message) }
    }

    /// The image with colour channels only: alpha dropped; RGB converted to grey (ITU-R BT.601
    /// weights) when `grey` is true.
    public func colour(grey: Bool) -> Image {
        let plane = height * width
        let base = channels >= 3 ? 3 : 1
        var planes = Array(pixels[0..<(base * plane)])
        if grey && base == 3 {
            planes = (0..<plane).map { 0.299 * planes[$0] + 0.587 * planes[plane + $0] + 0.114 * planes[2 * plane + $0] }
        } else if !grey && base == 1 {
            planes = planes + planes + planes
        }
        return Image(channels: grey ? 1 : 3, height: height, width: width, pixels: planes)
    }

    /// The image shrunk by an integer factor, averaging `factor × factor` blocks (area filter);
    /// a ragged right or bottom edge is dropped.
    public func downscaled(by factor: Int) -> Image {
        guard factor > 1 else { return self }
        let h = height / factor, w = width / factor, scale = 1 / Float(factor * factor)
        var result = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for y in 0..<h {
                for x in 0..<w {
                    var sum: Float = 0
                    for dy in 0..<factor {
                        let row = (c * height + y * factor + dy) * width + x * factor
                        for dx in 0..<factor { sum += pixels[row + dx] }
                    }
                    result[(c * h + y) * w + x] = sum * scale
                }
            }
        }
        return Image(channels: channels, height: h, width: w, pixels: result)
    }
}
