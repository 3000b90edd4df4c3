import Foundation
import Testing
import Datasets

/// Image folders in torchvision's layout, and the resizing behind them, on files written here.
@Suite struct ImageFolderTests {
    let root: String = {
        let path = NSTemporaryDirectory() + "wconv-folder-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A `height × width` RGB image whose red channel is `value` everywhere.
    func image(_ value: Float, height: Int = 6, width: Int = 8) -> Image {
        let plane = height * width
        return Image(channels: 3, height: height, width: width,
                     pixels: [Float](repeating: value, count: plane) + [Float](repeating: 0.5, count: 2 * plane))
    }

    func put(_ bytes: [UInt8], _ relative: String, in folder: String? = nil) {
        let path = (folder ?? root) + "/" + relative
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// bird/ (nested PNG, a JPEG, a text file), Cat/ (one PNG): classes sort by scalars, "Cat" < "bird".
    func makeTree(in folder: String? = nil) throws {
        put(try image(0.2).encodePNG(), "bird/b.png", in: folder)
        put(try image(0.4, height: 10, width: 5).encodeJPEG(quality: 100), "bird/a.JPG", in: folder)
        put(try image(0.6).encodePNG(), "bird/deeper/c.png", in: folder)
        put(Array("not an image".utf8), "bird/notes.txt", in: folder)
        put(try image(1).encodePNG(), "Cat/z.png", in: folder)
        put(Array("top-level file".utf8), "README", in: folder)
    }

    @Test func readsClassFoldersAsTorchvisionOrdersThem() throws {
        try makeTree()
        let contents = try ImageFolder.read(root, size: 4, fit: .resize, grey: false)
        #expect(contents.classes == ["Cat", "bird"])
        #expect(contents.images.shape == [4, 3, 4, 4] && contents.images.labels == [0, 1, 1, 1])
        #expect(contents.files.map { String($0.dropFirst(root.count + 1)) } == ["Cat/z.png", "bird/a.JPG", "bird/b.png", "bird/deeper/c.png"])
        #expect(contents.skipped.map { String($0.dropFirst(root.count + 1)) } == ["bird/notes.txt"])
        // The red plane of bird/b.png stays 0.2 after resizing a constant image.
        let b = Array(contents.images.pixels[(2 * 48)..<(2 * 48 + 16)])
        #expect(b.allSatisfy { abs($0 - 0.2) < 1e-2 })
        let grey = try ImageFolder.read(root, size: 3, fit: .centreCrop, grey: true)
        #expect(grey.images.shape == [4, 1, 3, 3])
    }

    @Test func emptyClassesCorruptImagesAndMismatchedValidationFoldersAreErrors() throws {
        try makeTree()
        try FileManager.default.createDirectory(atPath: root + "/empty/sub", withIntermediateDirectories: true)
        put(Array("x".utf8), "empty/sub/readme.md")
        #expect { try ImageFolder.read(root, size: 4) } throws: { "\($0)".contains("class 'empty' has no PNG or JPEG image") }
        try FileManager.default.removeItem(atPath: root + "/empty")
        put(Array(try image(0.3).encodePNG().prefix(40)), "Cat/broken.png")
        #expect { try ImageFolder.read(root, size: 4) } throws: { "\($0)".contains("Cat/broken.png") }
        try FileManager.default.removeItem(atPath: root + "/Cat/broken.png")
        let validation = root + "-validation"
        put(try image(0.1).encodePNG(), "bird/v.png", in: validation)
        #expect { try ImageFolder.read(validation, size: 4, classes: ["Cat", "bird"]) } throws: { "\($0)".contains("differ from the training classes") }
        put(try image(0.1).encodePNG(), "Cat/v.png", in: validation)
        #expect(try ImageFolder.read(validation, size: 4, classes: ["Cat", "bird"]).images.labels == [0, 1])
        #expect(throws: DataError.self) { try ImageFolder.read(root + "/missing", size: 4) }
        #expect(throws: DataError.self) { try ImageFolder.read(root, size: 0) }
    }

    @Test func seededValidationSplit() throws {
        let images = LabelledImages(shape: [10, 1, 1, 1], pixels: (0..<10).map(Float.init), labels: (0..<10).map { $0 % 2 })
        let (training, validation) = try ImageFolder.split(images, validationFraction: 0.3, seed: 4)
        #expect(training.count == 7 && validation.count == 3)
        #expect(Set(training.pixels + validation.pixels) == Set((0..<10).map(Float.init)))
        #expect(try ImageFolder.split(images, validationFraction: 0.3, seed: 4).validation.pixels == validation.pixels)
        #expect(validation.labels == validation.pixels.map { Int($0) % 2 }, "labels travel with their images")
        #expect(throws: DataError.self) { _ = try ImageFolder.split(images, validationFraction: 0, seed: 4) }
    }

    @Test func bilinearResizingAndCentreCropping() {
        // A horizontal ramp 0, 1, 2, 3 resized to 2 columns: centres at 0.5 and 2.5.
        let ramp = Image(channels: 1, height: 1, width: 4, pixels: [0, 1, 2, 3])
        #expect(ramp.resized(height: 1, width: 2).pixels == [0.5, 2.5])
        // Up-sampling 2 → 4 with half-pixel centres and clamped edges: 0, 0.25, 0.75, 1.
        let two = Image(channels: 1, height: 1, width: 2, pixels: [0, 1])
        #expect(two.resized(height: 1, width: 4).pixels == [0, 0.25, 0.75, 1])
        let grid = Image(channels: 1, height: 3, width: 5, pixels: (0..<15).map(Float.init))
        #expect(grid.centreCropped(height: 1, width: 3).pixels == [6, 7, 8])
        let wide = Image(channels: 1, height: 4, width: 8, pixels: (0..<32).map { Float($0 % 8) })
        let fitted = wide.fitted(to: 2, by: .centreCrop)
        // Shorter side 4 → 2: a 2×4 image of column pairs averaged (0.5, 2.5, 4.5, 6.5), then its centre.
        #expect(fitted.height == 2 && fitted.width == 2 && fitted.pixels == [2.5, 4.5, 2.5, 4.5])
    }
}
