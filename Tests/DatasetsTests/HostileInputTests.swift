import Foundation
import Testing
import Datasets
import TestSupport

/// Regression tests for corrupt or hostile files: sizes that overflow, headers that claim more
/// than the file or the machine holds, damaged compressed data. Each must be a ``DataError``
/// that names the file and says what is wrong — never a crash, a hang or a silent success.
@Suite struct HostileInputTests {
    /// A `.npy` file (version 1.0) of `header` without data.
    func npy(header: String) -> [UInt8] { NpyHeaderCases.file(header, dataBytes: 0) }

    func expectError(_ expected: String, _ body: () throws -> Void) {
        #expect { try body() } throws: { error in
            let ok = "\(error)".contains(expected)
            if !ok { Issue.record("message \(error) does not say \(expected)") }
            return ok
        }
    }

    @Test func npyShapesThatOverflowAreErrors() {
        // 2^62 · 4 bytes wraps to 0 without checks, matching an empty payload.
        let cases = ["(4611686018427387904, 4)", "(4294967296, 4294967296)", "(4611686018427387904,)"]
        for shape in cases {
            let bytes = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }")
            expectError("more elements") { _ = try Npy.decode(bytes, path: "x.npy") }
        }
        let negative = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }")
        expectError("non-negative integers, found (-1, 4)") { _ = try Npy.decode(negative, path: "x.npy") }
    }

    @Test func safetensorsOffsetsAndShapesThatOverflowAreErrors() {
        func file(_ json: String, data: [UInt8] = [0, 0, 0, 0]) -> [UInt8] {
            let header = Array(json.utf8)
            return (0..<8).map { UInt8((header.count >> (8 * $0)) & 0xFF) } + header + data
        }
        let cases = [
            #"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#,
            #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [9223372036854775800, 9223372036854775804]}}"#,
            #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [-9223372036854775807, -9223372036854775803]}}"#,
            #"{"a": {"dtype": "F32", "shape": [-1, -4], "data_offsets": [0, 16]}}"#,
        ]
        for json in cases {
            #expect(throws: DataError.self) { _ = try SafeTensors.decode(file(json), path: "m.safetensors") }
        }
    }

    @Test func idxDimensionsThatOverflowAreErrors() {
        // Three dimensions of 2^32 − 1: their product overflows Int.
        let bytes: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12) + [1, 2, 3]
        let path = NSTemporaryDirectory() + "wconv-idx-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectError("more elements") { _ = try IDX.read(images: path, labels: path) }
    }

    @Test func niftiWithANonFiniteDataOffsetIsAnError() throws {
        var header = niftiHeader(dims: [2, 2, 2], type: 2, bitpix: 8, slope: 1, intercept: 0)
        withUnsafeBytes(of: Float.nan) { header.replaceSubrange(108..<112, with: $0) }
        let path = NSTemporaryDirectory() + "wconv-nan-\(UUID().uuidString).nii"
        FileManager.default.createFile(atPath: path, contents: Data(header + [UInt8](repeating: 1, count: 8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectError("data offset") { _ = try NIfTI.read(path) }
    }

    @Test func gzipBombsStopAtTheLimit() throws {
        let bomb = try Files.gzip([UInt8](repeating: 0, count: 1 << 20))
        #expect(bomb.count < 4096)
        expectError("more than 65536 bytes") { _ = try Files.gunzip(bomb, path: "bomb.gz", limit: 1 << 16) }
        #expect(try Files.gunzip(bomb, path: "bomb.gz", limit: 1 << 20).count == 1 << 20)
    }

    @Test func imagesClaimingHugeDimensionsAreRefusedBeforeAllocation() throws {
        let small = Image(channels: 1, height: 8, width: 8, pixels: [Float](repeating: 0.5, count: 64))
        // JPEG: the SOF0 marker holds height and width as big-endian 16-bit values; PNG: IHDR.
        var jpeg = try small.encodeJPEG()
        let sof = (0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }!
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0x75, 0x30, 0x75, 0x30])  // 30000 × 30000
        expectError("more than the limit") { _ = try Image.decodeJPEG(jpeg, path: "big.jpg") }
        var png = try small.encodePNG()
        png.replaceSubrange(16..<24, with: [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30])
        #expect(throws: DataError.self) { _ = try Image.decodePNG(png, path: "big.png") }
    }

    @Test func truncatedOrDamagedJPEGsAreErrors() throws {
        let pixels = (0..<(64 * 64)).map { Float(($0 * 37) % 256) / 255 }
        let jpeg = try Image(channels: 1, height: 64, width: 64, pixels: pixels).encodeJPEG()
        // Cut in the middle of the scan: libjpeg only warns ("premature end of data") and fills grey.
        expectError("corrupt JPEG") { _ = try Image.decodeJPEG(Array(jpeg.prefix(jpeg.count * 2 / 3)), path: "cut.jpg") }
        #expect(try Image.decodeJPEG(jpeg, path: "whole.jpg").height == 64)
    }

    @Test func seriesFilesWithCRLFLineEndings() throws {
        let text = "@problemName T\r\n@classLabel true a b\r\n@data\r\n1,2,3:a\r\n4,5,6:b\r\n"
        let path = NSTemporaryDirectory() + "wconv-crlf-\(UUID().uuidString).ts"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let read = try UCRSeries.read(path)
        let (series, classes) = (read.series, read.classes)
        #expect(classes == ["a", "b"] && series.shape == [2, 1, 3] && series.labels == [0, 1])
        #expect(series.pixels == [1, 2, 3, 4, 5, 6])
    }
}
