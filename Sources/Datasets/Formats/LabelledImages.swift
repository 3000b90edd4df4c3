import GridCore


/// Labelled samples, as read from IDX, CIFAR or UCR files: images `[n, channels, height, width]`
/// with samples in `[0, 1]`, or series `[n, channels, length]` (any rank ≥ 3), one label each.
public struct LabelledImages: Sendable {
    /// Shape `[n, channels, spatial…]`.
    public let shape: [Int]
    /// Samples in `[0, 1]`, row-major.
    public var pixels: [Float]
    /// One class index per image.
    public var labels: [Int]

    /// Labelled images. - Precondition: counts agree with the shape.
    public init(shape: [Int], pixels: [Float], labels: [Int]) {
        precondition(shape.count >= 3 && pixels.count == shape.reduce(1, *) && labels.count == shape[0],
                     "labelled images: shape \(shape), \(pixels.count) samples, \(labels.count) labels")
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    /// The number of images.
    public var count: Int { shape[0] }

    /// Checks that every label is a class index.
    /// - Throws: ``DataError`` naming `source` and the first label outside `0..<classes`.
    public func checkLabels(classes: Int, source: String) throws(DataError) {
        if let (index, label) = labels.enumerated().first(where: { $0.element < 0 || $0.element >= classes }) {
            throw DataError(source, "label \(label) of sample \(index) is outside the \(classes) classes 0…\(classes - 1)")
        }
    }

    /// The first `count` images (all when `count` is larger).
    public func prefix(_ count: Int) -> LabelledImages {
        let n = min(count, self.count), size = shape[1...].reduce(1, *)
        return LabelledImages(shape: [n] + shape[1...], pixels: Array(pixels[0..<(n * size)]), labels: Array(labels[0..<n]))
    }
}

/// The IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed).
public enum IDX {
    /// Reads an image file (`idx3-ubyte`, unsigned bytes) and its label file (`idx1-ubyte`).
    /// - Throws: ``DataError`` naming the file for a missing or corrupt file, a wrong magic
    ///   number or type, truncated data, or image and label counts that differ.
    public static func read(images imagesPath: String, labels labelsPath: String) throws(DataError) -> LabelledImages {
        let (imageDims, imageBytes) = try array(imagesPath, rank: 3)
        let (labelDims, labelBytes) = try array(labelsPath, rank: 1)
        guard imageDims[0] == labelDims[0] else {
            throw DataError(labelsPath, "\(labelDims[0]) labels for \(imageDims[0]) images in \(imagesPath)")
        }
        return LabelledImages(shape: [imageDims[0], 1, imageDims[1], imageDims[2]],
                              pixels: imageBytes.map { Float($0) / 255 }, labels: labelBytes.map { Int($0) })
    }

    /// The dimensions and unsigned-byte payload of an IDX array of the given rank.
    static func array(_ path: String, rank: Int) throws(DataError) -> ([Int], ArraySlice<UInt8>) {
        let bytes = try Files.readDecompressed(path)
        guard bytes.count >= 4 + 4 * rank, bytes[0] == 0, bytes[1] == 0 else { throw DataError(path, "not an IDX file") }
        guard bytes[2] == 0x08 else { throw DataError(path, "IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte") }
        guard Int(bytes[3]) == rank else { throw DataError(path, "IDX array of rank \(bytes[3]), expected \(rank)") }
        let dims = (0..<rank).map { a in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * a + $1]) } }
        let start = 4 + 4 * rank
        guard let count = SizeLimits.product(dims) else {
            throw DataError(path, "dimensions \(dims) have more elements than an array can hold (corrupt header?)")
        }
        guard bytes.count - start == count else {
            throw DataError(path, "dimensions \(dims) need \(count) bytes, file has \(bytes.count - start) (truncated?)")
        }
        return (dims, bytes[start...])
    }

    /// The bytes of an IDX file of unsigned bytes (for tests and conversions).
    public static func encode(_ values: [UInt8], dims: [Int]) -> [UInt8] {
        precondition(values.count == dims.reduce(1, *), "IDX: \(values.count) values for dimensions \(dims)")
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
        for d in dims { for shift in [24, 16, 8, 0] { bytes.append(UInt8((d >> shift) & 0xFF)) } }
        return bytes + values
    }
}

/// CIFAR-10 and CIFAR-100 in their binary versions: per image one label byte (CIFAR-10) or a
/// coarse and a fine label byte (CIFAR-100), then 3072 bytes of R, G and B 32×32 planes.
public enum CIFAR {
    /// Which variant and label.
    public enum Variant: String, Sendable, CaseIterable {
        /// CIFAR-10, 10 classes.
        case cifar10
        /// CIFAR-100 with its 100 fine labels.
        case cifar100Fine
        /// CIFAR-100 with its 20 coarse labels.
        case cifar100Coarse

        /// Label bytes per record.
        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        /// The number of classes.
        public var classes: Int { [.cifar10: 10, .cifar100Fine: 100, .cifar100Coarse: 20][self]! }
    }

    /// The training and test files of the official distribution, relative to its folder.
    public static func files(_ variant: Variant, training: Bool) -> [String] {
        switch (variant, training) {
        case (.cifar10, true): (1...5).map { "data_batch_\($0).bin" }
        case (.cifar10, false): ["test_batch.bin"]
        case (_, true): ["train.bin"]
        case (_, false): ["test.bin"]
        }
    }

    /// Reads and concatenates record files.
    /// - Throws: ``DataError`` naming the file when it is missing, not a whole number of records,
    ///   or holds a label out of range.
    public static func read(_ paths: [String], variant: Variant) throws(DataError) -> LabelledImages {
        var pixels: [Float] = [], labels: [Int] = []
        let record = variant.labelBytes + 3072
        for path in paths {
            let bytes = try Files.read(path)
            guard !bytes.isEmpty, bytes.count % record == 0 else {
                throw DataError(path, "\(bytes.count) bytes is not a whole number of \(record)-byte \(variant.rawValue) records")
            }
            pixels.reserveCapacity(pixels.count + bytes.count)
            for start in stride(from: 0, to: bytes.count, by: record) {
                let label = Int(bytes[start + (variant == .cifar100Fine ? 1 : 0)])
                guard label < variant.classes else { throw DataError(path, "label \(label) ≥ \(variant.classes) (wrong variant?)") }
                labels.append(label)
                pixels += bytes[(start + variant.labelBytes)..<(start + record)].map { Float($0) / 255 }
            }
        }
        return LabelledImages(shape: [labels.count, 3, 32, 32], pixels: pixels, labels: labels)
    }
}
