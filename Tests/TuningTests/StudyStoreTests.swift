import CSQLite
import Foundation
import Testing
import Training
import Tuning

/// The study file: round trip, clear errors for foreign or damaged files, readers beside a writer.
@Suite struct StudyStoreTests {
    static func path() -> String { NSTemporaryDirectory() + "wconv-study-\(UUID().uuidString).sqlite" }

    static func record(_ index: Int, score: Double = 81.5) -> EvaluationRecord {
        EvaluationRecord(index: index, role: index == 1 ? .standard : .search, point: [0.25, 0.15 * Double(index)], seeds: [1, 2],
                         scores: [score, .nan], diverged: [false, true], seconds: 3.5)
    }

    @Test func recordsAndValuesRoundTrip() throws {
        let path = Self.path()
        let store = try StudyStore.create(path: path, settings: ["budget": 7])
        try store.append(Self.record(1))
        try store.append(Self.record(2, score: -.infinity))
        try store.setValue(["a": 1.5], for: "final.x")
        let reopened = try StudyStore.open(path: path, readOnly: true)
        let records = try reopened.evaluations()
        #expect(records.count == 2 && records[0].point == Self.record(1).point && records[1].scores[0] == -.infinity)
        #expect(records[0].scores[1].isNaN && records[0].diverged == [false, true] && records[0].status == "diverged")
        #expect(try reopened.settings(as: [String: Int].self) == ["budget": 7])
        #expect(try reopened.value("final.x", as: [String: Double].self) == ["a": 1.5])
        #expect(try reopened.value("final.y", as: [String: Double].self) == nil)
        #expect(throws: TuningError.self) { try store.append(Self.record(2)) }   // index taken: nothing half-written
        #expect(try reopened.evaluations().count == 2)
    }

    /// A reader opened before the writer's next transaction sees it afterwards (WAL mode).
    @Test func readersSeeTheWritersTransactions() throws {
        let path = Self.path()
        let writer = try StudyStore.create(path: path, settings: [1])
        let reader = try StudyStore.open(path: path, readOnly: true)
        #expect(try reader.evaluations().isEmpty)
        try writer.append(Self.record(1))
        #expect(try reader.evaluations().count == 1)
        #expect(throws: TuningError.self) { try StudyStore.create(path: path, settings: [1]) }
    }

    /// A study has one writer: a second is refused at once, naming the holder; readers go on.
    @Test func aSecondWriterIsRefusedAndReadersGoOn() throws {
        let path = Self.path()
        var writer: StudyStore? = try StudyStore.create(path: path, settings: [1])
        try writer?.append(Self.record(1))
        let holder = "process \(getpid()) on \(ProcessInfo.processInfo.hostName)"
        for second in [{ try StudyStore.open(path: path) }, { try StudyStore.create(path: path, settings: [1]) }] {
            let refusal = #expect(throws: TuningError.self) { try second() }
            #expect(refusal?.description.contains("another process is writing this study (\(holder))") == true, "\(refusal.map { "\($0)" } ?? "")")
        }
        #expect(try StudyStore.open(path: path, readOnly: true).evaluations().count == 1)
        writer = nil
        try StudyStore.open(path: path).append(Self.record(2))
        #expect(try StudyStore.open(path: path, readOnly: true).evaluations().count == 2)
    }

    @Test func foreignAndDamagedFilesAreClearErrors() throws {
        let path = Self.path()
        let missing = #expect(throws: TuningError.self) { try StudyStore.open(path: path) }
        #expect(missing?.description.contains("no study") == true)
        #expect(FileManager.default.createFile(atPath: path, contents: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })))
        let garbage = #expect(throws: TuningError.self) { try StudyStore.open(path: path) }
        #expect(garbage?.description.contains("not a study file") == true)

        let foreign = Self.path()
        var other: OpaquePointer?
        #expect(sqlite3_open(foreign, &other) == SQLITE_OK && sqlite3_exec(other, "CREATE TABLE t (x)", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(other)
        let wrongApplication = #expect(throws: TuningError.self) { try StudyStore.open(path: foreign) }
        #expect(wrongApplication?.description.contains("not a WeightedConv study") == true)

        let truncated = Self.path()
        let store = try StudyStore.create(path: truncated, settings: [1])
        for i in 1...40 { try store.append(Self.record(i)) }
        try store.setValue(Array(repeating: 1.0, count: 5000), for: "padding")
        let whole = try Data(contentsOf: URL(fileURLWithPath: truncated + "-wal"))
        let damaged = Self.path()
        try Data(contentsOf: URL(fileURLWithPath: truncated)).write(to: URL(fileURLWithPath: damaged))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: damaged + "-wal"))
        // A torn write-ahead log is what a kill leaves: SQLite keeps the whole transactions.
        let recovered = try StudyStore.open(path: damaged, readOnly: false).evaluations()
        #expect(recovered.count <= 40 && recovered.enumerated().allSatisfy { $0.element.point == Self.record($0.offset + 1).point })
    }

    @Test func overwrittenPagesAreAClearError() throws {
        let path = Self.path()
        do {
            let store = try StudyStore.create(path: path, settings: [1])
            for i in 1...200 { try store.append(Self.record(i)) }
        }   // closed: the log is folded into the file
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count > 16384)
        for i in 4096..<min(bytes.count, 16384) { bytes[i] = UInt8(truncatingIfNeeded: i &* 131) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: TuningError.self) { try StudyStore.open(path: path).evaluations() }
    }
}
