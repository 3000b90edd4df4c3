import CCodecs
import Foundation
import Testing
import Datasets
import TestSupport

/// Every file format on small files written here, round trips and corrupt cases.
@Suite struct FormatTests {
    let folder: String = {
        let path = NSTemporaryDirectory() + "wconv-formats-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func npyRoundTripAndNumpyHeaders() throws {
        let path = folder + "/a.npy"
        try Npy.write([1, -2.5, 3, 4, 5, 6], shape: [2, 3], to: path)
        let (shape, values) = try Npy.read(path)
        #expect(shape == [2, 3] && values == [1, -2.5, 3, 4, 5, 6])
        // float64, as numpy.save writes it (header padded to a multiple of 64 bytes).
        var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }".utf8)
        header += [UInt8](repeating: 0x20, count: (64 - (10 + header.count + 1) % 64) % 64) + [0x0A]
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0] + header
        for v in [0.5, -1.25] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let f64 = try Npy.read(write(bytes, "f64.npy"))
        #expect(f64.shape == [2] && f64.scalars == [0.5, -1.25])
        let scalar = try Npy.decode(Npy.encode([7], shape: []), path: "scalar")
        #expect(scalar.shape == [] && scalar.scalars == [7])
    }

    @Test func corruptNpyFilesNameTheFile() throws {
        let good = Npy.encode([1, 2, 3, 4], shape: [4])
        let cases: [(String, [UInt8], String)] = [
            ("truncated.npy", Array(good.dropLast(3)), "truncated"),
            ("magic.npy", [0x00] + good.dropFirst(), "magic"),
            ("int.npy", replace(good, "<f4", "<i4"), "dtype"),
            ("big.npy", replace(good, "<f4", ">f4"), "big-endian"),
            ("fortran.npy", replace(good, "False", "True "), "Fortran"),
        ]
        for (name, bytes, expected) in cases {
            #expect { try Npy.read(write(bytes, name)) } throws: { error in
                "\(error)".contains(name) && "\(error)".contains(expected)
            }
        }
        #expect(throws: DataError.self) { try Npy.read(folder + "/missing.npy") }
    }

    /// `bytes` with the first occurrence of `a` replaced by `b` (same length).
    func replace(_ bytes: [UInt8], _ a: String, _ b: String) -> [UInt8] {
        let (old, new) = (Array(a.utf8), Array(b.utf8))
        var result = bytes
        if let start = (0...(bytes.count - old.count)).first(where: { Array(bytes[$0..<($0 + old.count)]) == old }) {
            result.replaceSubrange(start..<(start + old.count), with: new)
        }
        return result
    }

    @Test func idxPlainAndGzipped() throws {
        let pixels: [UInt8] = (0..<18).map { UInt8($0 * 14) }
        let images = try Files.gzip(IDX.encode(pixels, dims: [2, 3, 3]))
        let labels = IDX.encode([7, 1], dims: [2])
        let set = try IDX.read(images: write(images, "i.gz"), labels: write(labels, "l"))
        #expect(set.shape == [2, 1, 3, 3] && set.labels == [7, 1])
        #expect(set.pixels[17] == Float(17 * 14) / 255)
        #expect(throws: DataError.self) { try IDX.read(images: write(Array(images.dropLast(5)), "t.gz"), labels: write(labels, "l2")) }
        #expect(throws: DataError.self) { try IDX.read(images: write(images, "i2.gz"), labels: write(IDX.encode([1], dims: [1]), "l3")) }
        #expect(throws: DataError.self) { try IDX.read(images: write(labels, "wrong-rank"), labels: write(labels, "l4")) }
    }

    @Test func fashionMNISTFromDebianIfInstalled() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder) else { return }
        let test = try IDX.read(images: folder + "/t10k-images-idx3-ubyte.gz", labels: folder + "/t10k-labels-idx1-ubyte.gz")
        #expect(test.shape == [10000, 1, 28, 28])
        #expect(Set(test.labels) == Set(0..<10))
    }

    @Test(arguments: CIFAR.Variant.allCases)
    func cifarRecords(variant: CIFAR.Variant) throws {
        let labelBytes = variant == .cifar10 ? 1 : 2
        var bytes: [UInt8] = []
        for image in 0..<3 {
            bytes += (variant == .cifar10 ? [UInt8(image + 1)] : [UInt8(image + 10), UInt8(image + 50)])
            bytes += (0..<3072).map { UInt8(($0 + image) % 256) }
        }
        let set = try CIFAR.read([write(bytes, "c.bin")], variant: variant)
        #expect(set.shape == [3, 3, 32, 32])
        #expect(set.labels == (variant == .cifar10 ? [1, 2, 3] : variant == .cifar100Fine ? [50, 51, 52] : [10, 11, 12]))
        #expect(set.pixels[3072 + 1024] == Float((1024 + 1) % 256) / 255, "green plane of the second image")
        #expect(throws: DataError.self) { try CIFAR.read([write(Array(bytes.dropLast(labelBytes)), "cut.bin")], variant: variant) }
    }

    @Test(arguments: [(1, 8), (2, 8), (3, 8), (4, 8), (1, 16), (3, 16)])
    func pngRoundTrip(channels: Int, bitDepth: Int) throws {
        let levels: Float = bitDepth == 16 ? 65535 : 255
        let pixels = (0..<(channels * 5 * 7)).map { Float(($0 * 37) % Int(levels + 1)) / levels }
        let image = Image(channels: channels, height: 5, width: 7, pixels: pixels)
        let decoded = try Image.read(write(try image.encodePNG(bitDepth: bitDepth), "p.png"))
        #expect(decoded == image)
    }

    @Test func palettePNGExpandsToRGB() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let indices: [UInt8] = [0, 1, 2, 1]
        var out: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        var message = [CChar](repeating: 0, count: 64)
        #expect(wc_encode_png(indices, 2, 2, 1, 8, palette, 3, &out, &count, &message, 64) == 0)
        let bytes = Array(UnsafeBufferPointer(start: out, count: count))
        wc_free(out)
        let image = try Image.read(write(bytes, "palette.png"))
        #expect(image.channels == 3 && image.pixels == [1, 0, 0, 0, /* green */ 0, 1, 0, 1, /* blue */ 0, 0, 1, 0])
    }

    @Test func jpegRoundTripWithinCompressionError() throws {
        let pixels: [Float] = (0..<768).map { (i: Int) -> Float in Float((i % 16) * 16) / 255 }
        let image = Image(channels: 3, height: 16, width: 16, pixels: pixels)
        let decoded = try Image.read(write(try image.encodeJPEG(quality: 98), "j.jpg"))
        #expect(decoded.channels == 3 && decoded.height == 16)
        let worst = zip(decoded.pixels, pixels).map { abs($0 - $1) }.max()!
        #expect(worst < 0.06, "quality 98 keeps smooth ramps within a few grey levels")
    }

    @Test func corruptImagesAreErrors() throws {
        let png = try Image(channels: 1, height: 4, width: 4, pixels: [Float](repeating: 0.5, count: 16)).encodePNG()
        #expect(throws: DataError.self) { try Image.read(write(Array(png.prefix(40)), "cut.png")) }
        let jpeg = try Image(channels: 1, height: 8, width: 8, pixels: [Float](repeating: 0.5, count: 64)).encodeJPEG()
        #expect(throws: DataError.self) { try Image.read(write(Array(jpeg.prefix(30)), "cut.jpg")) }
        #expect(throws: DataError.self) { try Image.read(write(Array("hello".utf8), "text.png")) }
    }

    @Test func safetensorsRoundTripAndCorruption() throws {
        let file = SafeTensors(tensors: ["features.0.weight": ([2, 1], [1, 2]), "b": ([3], [0.5, 0.25, -1])],
                               metadata: ["epoch": "3"])
        let path = folder + "/m.safetensors"
        try file.write(to: path)
        let back = try SafeTensors.read(path)
        #expect(back.tensors["features.0.weight"]!.values == [1, 2] && back.tensors["b"]!.shape == [3])
        #expect(back.metadata == ["epoch": "3"])
        let bytes = file.encode()
        #expect(throws: DataError.self) { try SafeTensors.read(write(Array(bytes.dropLast(4)), "cut.safetensors")) }
        #expect(throws: DataError.self) { try SafeTensors.read(write([9, 0, 0, 0, 0, 0, 0, 0] + Array("{oops}   ".utf8), "bad.safetensors")) }
    }

    @Test func atomicWriteReplacesWholeFiles() throws {
        let path = folder + "/deep/er/file.bin"
        try Files.atomicWrite([1, 2, 3], to: path)
        try Files.atomicWrite([4], to: path)
        #expect(try Files.read(path) == [4])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/deep/er")
        #expect(leftovers == ["file.bin"])
    }
}
