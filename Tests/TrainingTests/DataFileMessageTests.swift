import Datasets
import Foundation
import Testing
import Training

/// Data that does not fit is refused when it is read, by file, with what was expected and found:
/// never later, deep in the model.
@Suite struct DataFileMessageTests {
    func folder() -> String {
        let path = NSTemporaryDirectory() + "wconv-data-messages-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// IDX files of `count` images of `side`×`side` (labels 0, 1, 0, …) named `prefix-…`.
    func idx(_ folder: String, _ prefix: String, count: Int, side: Int) throws {
        try Data(IDX.encode((0..<(count * side * side)).map { UInt8($0 % 251) }, dims: [count, side, side]))
            .write(to: URL(fileURLWithPath: "\(folder)/\(prefix)-images-idx3-ubyte"))
        try Data(IDX.encode((0..<count).map { UInt8($0 % 2) }, dims: [count])).write(to: URL(fileURLWithPath: "\(folder)/\(prefix)-labels-idx1-ubyte"))
    }

    @Test func testImagesOfAnotherSizeThanTheTrainingImagesNameTheFile() throws {
        let data = folder()
        try idx(data, "train", count: 4, side: 8)
        try idx(data, "t10k", count: 3, side: 6)
        var e = Experiment(task: .classification)
        e.dataset = .mnist
        e.dataDirectory = data
        #expect { _ = try e.makeTask(seed: 1) } throws: { error in
            let text = "\(error)"
            let ok = text.contains(data + "/t10k-images-idx3-ubyte") && text.contains("1×6×6") && text.contains("1×8×8")
            if !ok { Issue.record("message: \(text)") }
            return ok
        }
        // Evaluating trained weights reads only the test images: they must have the trained size.
        #expect { _ = try e.makeTask(seed: 1, normalisation: ([0.5], [0.3]), trainedImageShape: [1, 8, 8]) } throws: { error in
            "\(error)" == data + "/t10k-images-idx3-ubyte: the test images are 1×6×6 (channels×height×width), the model was trained on 1×8×8"
        }
        try idx(data, "t10k", count: 3, side: 8)
        _ = try e.makeTask(seed: 1)
        _ = try e.makeTask(seed: 1, normalisation: ([0.5], [0.3]), trainedImageShape: [1, 8, 8])
    }

    @Test func anImageSmallerThanAPatchIsNamed() throws {
        let images = folder()
        try Image(channels: 1, height: 40, width: 40, pixels: [Float](repeating: 0.5, count: 1600)).writePNG(to: images + "/a.png")
        try Image(channels: 1, height: 5, width: 5, pixels: [Float](repeating: 0.5, count: 25)).writePNG(to: images + "/b.png")
        var e = Experiment(task: .denoising)
        e.dataset = .folder
        e.dataDirectory = images
        e.downscale = 1
        e.patchSize = 32
        #expect { _ = try e.makeTask(seed: 1) } throws: { "\($0)" == images + "/b.png: 5×5 is smaller than a 32-pixel patch" }
    }
}
