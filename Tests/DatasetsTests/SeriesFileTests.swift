import Foundation
import Testing
import Datasets

/// The series readers (UCR/UEA `.ts`, UCR 2018 `.tsv`, CSV) on files written here.
@Suite struct SeriesFileTests {
    let folder: String = {
        let path = NSTemporaryDirectory() + "wconv-series-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ text: String, _ name: String = "s.ts") -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Expects a ``DataError`` whose message contains every one of `parts`.
    func expectError(_ parts: [String], _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
            let text = "\(error)"
            let ok = error is DataError && parts.allSatisfy { text.contains($0) }
            if !ok { Issue.record("message «\(text)» does not say \(parts)", sourceLocation: sourceLocation) }
            return ok
        }
    }

    @Test func readsUnivariateEqualLengthSeries() throws {
        let path = write("#comment\n@problemName Toy\n@univariate true\n@equalLength true\n@classLabel true a b\n@data\n1,2,3:b\n4,5.5,-6:a\n")
        let read = try UCRSeries.read(path)
        #expect(read.classes == ["a", "b"] && read.series.shape == [2, 1, 3] && read.series.labels == [1, 0])
        #expect(read.series.pixels == [1, 2, 3, 4, 5.5, -6])
        let data = ClassificationDataset(images: read.series, classes: 2, mean: [0], standardDeviation: [1])
        #expect(data.batches(size: 2, seed: 1, epoch: 0, shuffle: false, augment: true)[0].shape == [2, 1, 3])
    }

    @Test func readsMultivariateSeriesWithCRLF() throws {
        let text = "# UEA\r\n@problemName M\r\n@univariate false\r\n@dimensions 2\r\n@equalLength true\r\n@classLabel true x y\r\n@data\r\n"
            + "1,2,3:10,20,30:y\r\n4,5,6:40,50,60:x\r\n"
        let read = try UCRSeries.read(write(text))
        #expect(read.series.shape == [2, 2, 3] && read.series.labels == [1, 0])
        #expect(read.series.pixels == [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60])
    }

    @Test func readsTabAndCommaTablesWithTheLabelFirst() throws {
        let tsv = try UCRSeries.read(write("2\t1.5\t2\t3\n10\t4\t5\t6\n1\t7\t8\t9\n", "p_TRAIN.tsv"))
        // Numeric labels in numeric order: 1, 2, 10 (not "1", "10", "2").
        #expect(tsv.classes == ["1", "2", "10"] && tsv.series.labels == [1, 2, 0] && tsv.series.shape == [3, 1, 3])
        let csv = try UCRSeries.read(write("cat,1,2\r\ndog,3,4\r\n\r\ncat,5,6\r\n", "p.csv"))
        #expect(csv.classes == ["cat", "dog"] && csv.series.labels == [0, 1, 0] && csv.series.pixels == [1, 2, 3, 4, 5, 6])
        expectError(["p.txt", ".ts, .tsv or .csv"]) { _ = try UCRSeries.read(write("a,1\n", "p.txt")) }
        #expect(try UCRSeries.read(write("a,1\n", "p.txt"), layout: .csv).series.count == 1)
    }

    @Test func testLabelsMapToTheTrainingClasses() throws {
        let train = write("b\t1\t2\na\t3\t4\n", "P_TRAIN.tsv")
        let test = write("a\t5\t6\nb\t7\t8\n", "P_TEST.tsv")
        let (training, evaluation) = try UCRSeries.readPair(training: train, test: test)
        #expect(training.classes == ["a", "b"] && evaluation.classes == ["a", "b"])
        #expect(training.series.labels == [1, 0] && evaluation.series.labels == [0, 1])
        let unseen = write("c\t5\t6\n", "Q_TEST.tsv")
        expectError(["Q_TEST.tsv", "line 1", "'c'"]) { _ = try UCRSeries.readPair(training: train, test: unseen) }
        let longer = write("a\t5\t6\t7\n", "R_TEST.tsv")
        expectError(["R_TEST.tsv", "training file"]) { _ = try UCRSeries.readPair(training: train, test: longer) }
        // A test file's own @classLabel order does not override the training classes.
        let ts = write("@classLabel true b a\n@data\n1,2:a\n", "S_TEST.ts")
        #expect(try UCRSeries.read(ts, classNames: ["a", "b"]).series.labels == [0])
    }

    @Test func zNormalisationFollowsTheUCRConvention() throws {
        let read = try UCRSeries.read(write("a,1,2,3,4\nb,5,5,5,5\n", "z.csv"), zNormalise: true)
        let first = Array(read.series.pixels[0..<4]).map(Double.init)
        let mean = first.reduce(0, +) / 4, variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
        #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
        #expect(Array(read.series.pixels[4..<8]) == [0, 0, 0, 0], "a constant series stays 0, never NaN")
        let nearlyConstant = UCRSeries.zNormalised(LabelledImages(shape: [1, 1, 3], pixels: [0.1, 0.1, 0.1], labels: [0]))
        #expect(nearlyConstant.pixels == [0, 0, 0])
        // Multivariate: each dimension on its own.
        let m = try UCRSeries.read(write("@dimensions 2\n@classLabel true a\n@data\n1,3:100,300:a\n", "m.ts"), zNormalise: true)
        #expect(m.series.pixels == [-1, 1, -1, 1])
    }

    @Test func malformedFilesAreErrorsNamingFileAndLine() {
        let cases: [(text: String, says: [String])] = [
            ("@classLabel true a\n@data\n1,2:a\n1,2,3:a\n", ["line 4", "unequal"]),
            ("@classLabel true a\n@data\n1,2:c\n", ["line 3", "'c'"]),
            ("@classLabel true a\n@data\n1,?,3:a\n", ["line 3", "missing value"]),
            ("@classLabel true a\n@data\n1,NaN,3:a\n", ["line 3", "missing value"]),
            ("@classLabel true a\n@data\n1,x,3:a\n", ["line 3", "'x'", "not a finite number"]),
            ("@classLabel true a\n@data\n1,2,3\n", ["line 3", "no ':label'"]),
            ("@classLabel true a\n@data\n1,2:3,4,5:a\n", ["line 3", "dimension 2 has length 3"]),
            ("@classLabel true a\n@data\n1,2:a\n1,2:3,4:a\n", ["line 4", "2 dimension(s)"]),
            ("@equalLength false\n@data\n", ["line 1", "unequal length"]),
            ("@missing true\n@data\n", ["line 1", "missing values"]),
            ("@classLabel false\n@data\n", ["line 1", "no class labels"]),
            ("@classLabel true a\n", ["no @data"]),
            ("@classLabel true a\n@data\n", ["no series"]),
            ("@classLabel true a\n@data\n1,2:\n", ["line 3", "empty label"]),
        ]
        for (index, (text, says)) in cases.enumerated() {
            let name = "bad\(index).ts"
            expectError([name] + says) { _ = try UCRSeries.read(write(text, name)) }
        }
        expectError(["t.tsv", "line 2", "NaN"]) { _ = try UCRSeries.read(write("a\t1\t2\nb\t1\tNaN\n", "t.tsv")) }
        expectError(["w.tsv", "line 2", "empty label"]) { _ = try UCRSeries.read(write("a\t1\t2\n\t1\t2\n", "w.tsv")) }
        expectError(["u.tsv", "line 2", "unequal"]) { _ = try UCRSeries.read(write("a\t1\t2\nb\t1\n", "u.tsv")) }
        expectError(["v.csv", "line 1", "a label and at least one value"]) { _ = try UCRSeries.read(write("a\n", "v.csv")) }
        expectError(["nothing.ts", "no such file"]) { _ = try UCRSeries.read(folder + "/nothing.ts") }
    }

    @Test func truncatedFilesAreErrors() throws {
        let whole = "@classLabel true a b\n@data\n1,2,3:a\n4,5,6:b\n"
        // Cut anywhere: either an error, or fewer whole series (a cut at a line end) — never a wrong value.
        for cut in 1..<whole.utf8.count {
            let path = write(String(decoding: Array(whole.utf8.prefix(cut)), as: UTF8.self), "cut\(cut).ts")
            if let read = try? UCRSeries.read(path) {
                #expect(read.series.pixels == Array([1, 2, 3, 4, 5, 6].prefix(read.series.pixels.count)), "cut at \(cut)")
                #expect(read.series.shape[2] == 3)
            }
        }
    }
}
