import Foundation
import GridCore
import Testing
import Datasets
import WeightedConvolution
import TestSupport

/// Mutation fuzzing of every reader and of `wconv conv`'s path (two `.npy` files and options
/// into a convolution): small valid files are damaged at random — bytes flipped, set to extreme
/// values, inserted, deleted, truncated, size fields overwritten — and each outcome must be a
/// value or a thrown error. A crash or a hang fails the whole run, which is the point.
///
/// Seeded (the same mutations every run) and bounded: `WCONV_FUZZ_ITERATIONS` mutations per
/// reader (200 by default, a few seconds in all); set it higher to fuzz longer locally.
@Suite struct FuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["WCONV_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 200
    let folder: String = {
        let path = NSTemporaryDirectory() + "wconv-fuzz-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// `bytes` damaged by 1–4 random mutations.
    static func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !result.isEmpty else { result = [UInt8.random(in: 0...255, using: &generator)]; continue }
            let at = Int.random(in: 0..<result.count, using: &generator)
            switch Int.random(in: 0..<8, using: &generator) {
            case 0: result[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            case 1: result[at] = [0x00, 0xFF, 0x7F, 0x80].randomElement(using: &generator)!
            case 2: result.insert(UInt8.random(in: 0...255, using: &generator), at: at)
            case 3: result.remove(at: at)
            case 4: result = Array(result.prefix(at))
            case 5:  // an extreme little- or big-endian integer over a size field
                let value: UInt64 = [0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 1 << 62,
                                     0x4000_0000].randomElement(using: &generator)!
                let width = [2, 4, 8].randomElement(using: &generator)!
                let big = Bool.random(using: &generator)
                for k in 0..<min(width, result.count - at) {
                    result[at + k] = UInt8((value >> UInt64(8 * (big ? width - 1 - k : k))) & 0xFF)
                }
            case 6:  // text formats: a digit becomes a huge or negative number, or a line ending changes
                let text: [UInt8] = Array(["0", "99999999999999999999", "4611686018427387904", "3074457345618258603", "-1", "1e309", "nan", "\r\n", ",", ":", "("].randomElement(using: &generator)!.utf8)
                result.replaceSubrange(at..<min(result.count, at + 1), with: text)
            default:
                let length = min(result.count - at, Int.random(in: 1...16, using: &generator))
                let chunk = Array(result[at..<(at + length)])
                result.insert(contentsOf: chunk, at: Int.random(in: 0...result.count, using: &generator))
            }
        }
        return result
    }

    /// Runs `read` on `iterations` mutations of `valid`; every call must return or throw.
    func fuzz(_ valid: [UInt8], seed: UInt64, _ read: ([UInt8]) throws -> Void) {
        var generator = SeededGenerator(seed: seed)
        var failures = 0
        for _ in 0..<Self.iterations {
            do { try read(Self.mutate(valid, &generator)) } catch { failures += 1 }
        }
        #expect(failures > 0, "mutations should damage some files")
    }

    func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = folder + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    @Test func npy() {
        fuzz(Npy.encode((0..<24).map(Float.init), shape: [2, 3, 4]), seed: 1) { _ = try Npy.decode($0, path: "f.npy") }
    }

    /// Mutations of every header of NumPy's grammar (``NpyHeaderCases``, valid and refused), and
    /// the cases themselves: each is read or refused as that table says.
    @Test func npyHeaderGrammar() {
        for (index, c) in NpyHeaderCases.all.enumerated() {
            let refused: Bool
            do { _ = try Npy.decode(c.bytes, path: "f.npy"); refused = false } catch { refused = true }
            #expect(refused == (c.refusal != nil), "\(c.name)")
            var generator = SeededGenerator(seed: 100 + UInt64(index))
            for _ in 0..<(Self.iterations / 10) { _ = try? Npy.decode(Self.mutate(c.bytes, &generator), path: "f.npy") }
        }
    }

    @Test func safetensors() {
        let file = SafeTensors(tensors: ["a": ([2, 3], [1, 2, 3, 4, 5, 6]), "b": ([1], [7])], metadata: ["epoch": "1"])
        fuzz(file.encode(), seed: 2) { _ = try SafeTensors.decode($0, path: "f.safetensors") }
    }

    @Test func idx() throws {
        let labels = write(IDX.encode([1, 2], dims: [2]), "labels")
        fuzz(IDX.encode((0..<32).map { UInt8($0) }, dims: [2, 4, 4]), seed: 3) {
            _ = try IDX.read(images: write($0, "images"), labels: labels)
        }
        fuzz(try Files.gzip(IDX.encode((0..<32).map { UInt8($0) }, dims: [2, 4, 4])), seed: 4) {
            _ = try IDX.read(images: write($0, "images.gz"), labels: labels)
        }
    }

    @Test func cifar() {
        let record = [UInt8(4)] + (0..<3072).map { UInt8($0 % 256) }
        fuzz(record + record, seed: 5) { _ = try CIFAR.read([write($0, "batch.bin")], variant: .cifar100Fine) }
    }

    @Test func png() throws {
        let image = Image(channels: 3, height: 5, width: 6, pixels: (0..<90).map { Float($0) / 90 })
        fuzz(try image.encodePNG(), seed: 6) { _ = try Image.decodePNG($0, path: "f.png") }
        fuzz(try image.encodePNG(bitDepth: 16), seed: 7) { _ = try Image.decodePNG($0, path: "f.png") }
    }

    @Test func jpeg() throws {
        let image = Image(channels: 3, height: 9, width: 17, pixels: (0..<459).map { Float($0 % 17) / 17 })
        fuzz(try image.encodeJPEG(), seed: 8) { _ = try Image.decodeJPEG($0, path: "f.jpg") }
    }

    @Test func nifti() throws {
        let header = niftiHeader(dims: [2, 3, 2], type: 4, bitpix: 16, slope: 2, intercept: 0)
        let volume = header + (0..<24).flatMap { (i: Int) -> [UInt8] in [UInt8(i), 0] }
        fuzz(volume, seed: 9) { _ = try NIfTI.read(write($0, "v.nii")) }
        fuzz(try Files.gzip(volume), seed: 10) { _ = try NIfTI.read(write($0, "v.nii.gz")) }
    }

    @Test func ucrSeries() {
        let text = "# comment\n@problemName P\n@univariate true\n@equalLength true\n@classLabel true a b\n@data\n1,2.5,3:a\n-4,5,6e-1:b\n"
        fuzz(Array(text.utf8), seed: 11) { _ = try UCRSeries.read(write($0, "s.ts")) }
    }

    /// `wconv conv`: input and weight `.npy` files (mutated) and options (some extreme) into a
    /// forward and a backward pass, with the command's own checks (finite values).
    @Test func convolutionOfNpyFiles() {
        let input = Npy.encode((0..<50).map { Float($0 % 7) - 3 }, shape: [1, 2, 5, 5])
        let weight = Npy.encode((0..<36).map { Float($0 % 5) - 2 }, shape: [2, 2, 3, 3])
        var generator = SeededGenerator(seed: 12)
        let extremes = [0, 1, 2, 3, -1, Int.max, Int.min, 1 << 31, 1 << 62, Int(Int32.max) + 1]
        for _ in 0..<Self.iterations {
            let x = Bool.random(using: &generator) ? Self.mutate(input, &generator) : input
            let w = Bool.random(using: &generator) ? Self.mutate(weight, &generator) : weight
            func value(_ small: ClosedRange<Int>) -> Int {
                Int.random(in: 0..<4, using: &generator) == 0 ? extremes.randomElement(using: &generator)! : Int.random(in: small, using: &generator)
            }
            let options = ConvolutionOptions(
                stride: [value(1...2)], padding: .symmetric([value(0...2)]), dilation: [value(1...2)], groups: value(1...2),
                paddingMode: PaddingMode.allCases.randomElement(using: &generator)!,
                method: [ConvolutionMethod.auto, .direct, .fft].randomElement(using: &generator)!)
            let density: Density = [.uniform, .symmetric([0.5]), .gaussian(sigma: [0, 1, .nan].randomElement(using: &generator)!),
                                    .symmetric(perAxis: [[0.5], [0.2, 0.8]])].randomElement(using: &generator)!
            do {
                let (xs, ws) = (try Npy.decode(x, path: "x.npy"), try Npy.decode(w, path: "w.npy"))
                guard xs.scalars.allSatisfy(\.isFinite), ws.scalars.allSatisfy(\.isFinite) else { continue }
                let conv = WeightedConvolution(density: density, options: options)
                let plan = try PreparedConvolution(conv, inputShape: xs.shape, weight: ws.scalars, weightShape: ws.shape)
                _ = xs.scalars.withUnsafeBufferPointer { xb in
                    let y = plan.forward(input: xb, bias: nil)
                    return y.withUnsafeBufferPointer { plan.backward(input: xb, gradOutput: $0) }
                }
            } catch {
                continue
            }
        }
    }
}
