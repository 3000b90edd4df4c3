import Foundation
import GridCore

/// Labelled photographs in torchvision's `ImageFolder` layout: one sub-folder per class
/// (`root/cat/001.png`, `root/dog/x/002.jpg`).
///
/// Behaviour, following torchvision where it has one:
/// - Classes are the sub-folders of the root, sorted by their Unicode scalars (Python's string
///   order); class `i` is the `i`-th name. Files directly in the root are ignored.
/// - Inside a class folder, files are found recursively (nested folders included, symbolic links
///   followed), folders in sorted order and files sorted by name in each, as torchvision walks them.
/// - A file whose extension is not `.png`, `.jpg` or `.jpeg` (any case) is skipped and listed in
///   ``ImageFolder/Contents/skipped`` (torchvision skips such files silently; the caller can warn).
/// - A class folder with no image is an error (torchvision raises one too).
/// - A corrupt image is an error naming the file.
/// - Every image is converted to grey or RGB (alpha dropped) and brought to `size × size` by
///   an ``ImageFit``; samples are in `[0, 1]`.
public enum ImageFolder {
    /// What a folder held.
    public struct Contents: Sendable {
        /// Images `[n, 1 or 3, size, size]`, labelled by class index.
        public var images: LabelledImages
        /// Class names in index order.
        public var classes: [String]
        /// The files of each image, in sample order.
        public var files: [String]
        /// Files skipped because they are not PNG or JPEG files.
        public var skipped: [String]
    }

    /// The extensions read (lower case).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The class folders of `root`, sorted as torchvision sorts them.
    /// - Throws: ``DataError`` when `root` is not a folder or has no sub-folder.
    public static func classes(in root: String) throws(DataError) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { throw DataError(root, "no such folder") }
        let folders = names.filter { isFolder(root + "/" + $0) }.sorted(by: scalarOrder)
        guard !folders.isEmpty else { throw DataError(root, "no class sub-folder (expected root/CLASS/image.png)") }
        return folders
    }

    /// Reads every image of a folder tree.
    /// - Parameters:
    ///   - root: the folder of class folders.
    ///   - size: the side of the square images made.
    ///   - fit: stretch, or scale and centre-crop.
    ///   - grey: one grey channel (else RGB).
    ///   - classes: the training classes, when reading a separate validation folder: its class
    ///     folders must be exactly these.
    /// - Throws: ``DataError`` for a missing root, a root without class folders, class folders
    ///   that differ from `classes`, an empty class, a corrupt image, or `size < 1`.
    public static func read(_ root: String, size: Int, fit: ImageFit = .resize, grey: Bool = false,
                            classes: [String]? = nil) throws(DataError) -> Contents {
        guard size >= 1 else { throw DataError(root, "image size must be at least 1, got \(size)") }
        let found = try Self.classes(in: root)
        if let classes, classes != found {
            throw DataError(root, "class folders \(found) differ from the training classes \(classes)")
        }
        var pixels: [Float] = [], labels: [Int] = [], files: [String] = [], skipped: [String] = []
        for (label, name) in found.enumerated() {
            let (images, others) = listFiles(in: root + "/" + name)
            skipped += others
            guard !images.isEmpty else {
                throw DataError(root + "/" + name, "class '\(name)' has no PNG or JPEG image")
            }
            for file in images {
                let image = try Image.read(file).colour(grey: grey).fitted(to: size, by: fit)
                pixels += image.pixels
                labels.append(label)
                files.append(file)
            }
        }
        let images = LabelledImages(shape: [labels.count, grey ? 1 : 3, size, size], pixels: pixels, labels: labels)
        return Contents(images: images, classes: found, files: files, skipped: skipped)
    }

    /// Images split in two at random: a seeded choice of `round(n·fraction)` images (at least
    /// one) for validation, the rest for training, each part in its original order.
    /// - Throws: ``DataError`` when the fraction is not in `(0, 1)` or a part would be empty.
    public static func split(_ images: LabelledImages, validationFraction: Double, seed: UInt64) throws(DataError)
        -> (training: LabelledImages, validation: LabelledImages) {
        guard validationFraction > 0, validationFraction < 1 else {
            throw DataError("(images)", "validation fraction must be in (0, 1), got \(validationFraction)")
        }
        let n = images.count, held = max(1, Int((Double(n) * validationFraction).rounded()))
        guard held < n else { throw DataError("(images)", "\(n) images cannot be split into training and validation") }
        let validation = Set(epochOrder(count: n, seed: seed, epoch: 0).prefix(held))
        let sample = images.shape[1...].reduce(1, *)
        func subset(_ indices: [Int]) -> LabelledImages {
            var pixels: [Float] = []
            pixels.reserveCapacity(indices.count * sample)
            for i in indices { pixels += images.pixels[(i * sample)..<((i + 1) * sample)] }
            return LabelledImages(shape: [indices.count] + images.shape[1...], pixels: pixels, labels: indices.map { images.labels[$0] })
        }
        return (subset((0..<n).filter { !validation.contains($0) }), subset((0..<n).filter { validation.contains($0) }))
    }

    /// The image files under `folder` in torchvision's order, and the other files.
    private static func listFiles(in folder: String) -> (images: [String], others: [String]) {
        var images: [String] = [], others: [String] = []
        var folders = [folder]
        var visited: Set<String> = [URL(fileURLWithPath: folder).resolvingSymlinksInPath().path]
        var index = 0
        while index < folders.count {  // every folder of the tree once (links that loop are not followed twice)
            let current = folders[index]
            index += 1
            let names = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
            for path in names.map({ current + "/" + $0 }) where isFolder(path) {
                if visited.insert(URL(fileURLWithPath: path).resolvingSymlinksInPath().path).inserted { folders.append(path) }
            }
        }
        for current in folders.sorted(by: scalarOrder) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []).sorted(by: scalarOrder)
            for name in names where !isFolder(current + "/" + name) {
                let ext = name.split(separator: ".").count > 1 ? name.split(separator: ".").last!.lowercased() : ""
                if extensions.contains(ext) { images.append(current + "/" + name) } else { others.append(current + "/" + name) }
            }
        }
        return (images, others)
    }

    private static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    private static func scalarOrder(_ a: String, _ b: String) -> Bool { a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }
}
