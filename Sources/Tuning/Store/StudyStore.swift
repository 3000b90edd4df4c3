import Datasets
import Foundation
import Training

/// The durable record of a study: one SQLite file holding its settings, every finished
/// evaluation (written in one transaction each) and the final test results.
///
/// The file is in WAL mode, so other processes may read it (``open(path:readOnly:)``,
/// `wconv tune --show`) while one process writes. It is stamped with an application id and a
/// format version: a foreign, newer or corrupt file is a thrown ``TuningError``, not a crash.
///
/// A study has one writer: opening it for writing takes the lock file beside it (`PATH.lock`,
/// see `FolderLock` of Datasets) until the store is freed, and a second writer is refused at
/// once with the holder's process id and host. Readers take no lock.
///
/// Format 2 records why an evaluation failed (column `failure`, NULL when it did not). Files of
/// format 1 are read as they are, and migrated in place (the column added and the version raised
/// in one transaction) when opened for writing.
public final class StudyStore {
    /// `WCst` in ASCII: marks the file as a WeightedConv study.
    static let applicationID: Int64 = 0x5743_7374
    /// The format this program writes and reads.
    static let formatVersion: Int64 = 2

    /// The file.
    public let path: String
    private let database: SQLiteDatabase
    /// Whether the file has the `failure` column (format 2; a format-1 file opened read-only does not).
    private let recordsFailures: Bool
    /// The writer's lock (`nil` for a reader).
    private let lock: FolderLock?

    private init(path: String, database: SQLiteDatabase, recordsFailures: Bool = true, lock: FolderLock?) {
        self.path = path
        self.database = database
        self.recordsFailures = recordsFailures
        self.lock = lock
    }

    /// The writer's lock of the study at `path` (`PATH.lock`).
    /// - Throws: ``TuningError`` naming the process that holds it.
    private static func writerLock(_ path: String) throws(TuningError) -> FolderLock {
        do {
            return try FolderLock(lockFile: path + ".lock", subject: path, busy: "another process is writing this study",
                                  advice: "wait for it to end (reading it with tune --show works meanwhile)")
        } catch { throw TuningError(error.description) }
    }

    /// Creates a study file at `path` for `settings` (encoded as JSON), as its writer.
    /// - Throws: ``TuningError`` when another process writes the study, a file is already there
    ///   or it cannot be written.
    public static func create<Settings: Encodable>(path: String, settings: Settings) throws(TuningError) -> StudyStore {
        let lock = try writerLock(path)
        guard !FileManager.default.fileExists(atPath: path) else {
            throw TuningError("a study already exists at \(path): continue it with --resume, or choose another --study name")
        }
        let database = try SQLiteDatabase(path: path, readOnly: false, create: true)
        try database.query("PRAGMA journal_mode = WAL")
        try database.transaction { () throws(TuningError) in
            try database.query("PRAGMA application_id = \(applicationID)")
            try database.query("PRAGMA user_version = \(formatVersion)")
            try database.query("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            try database.query("""
                CREATE TABLE evaluation (idx INTEGER PRIMARY KEY, role TEXT NOT NULL, point TEXT NOT NULL, seeds TEXT NOT NULL,
                  scores TEXT NOT NULL, diverged TEXT NOT NULL, score REAL, spread REAL, seconds REAL NOT NULL,
                  status TEXT NOT NULL, finished TEXT NOT NULL, failure TEXT)
                """)
            try database.query("INSERT INTO meta VALUES ('settings', ?)", [.text(try encode(settings))])
        }
        return StudyStore(path: path, database: database, lock: lock)
    }

    /// Opens an existing study, as its writer unless `readOnly`.
    /// - Throws: ``TuningError`` when another process writes the study (and this is not
    ///   `readOnly`), the file is missing, not SQLite, another program's
    ///   database, a newer format, or damaged.
    public static func open(path: String, readOnly: Bool = false) throws(TuningError) -> StudyStore {
        guard FileManager.default.fileExists(atPath: path) else { throw TuningError("no study at \(path)") }
        let lock = readOnly ? nil : try writerLock(path)
        let database = try SQLiteDatabase(path: path, readOnly: readOnly, create: false)
        let id: Int64?
        do {
            id = try database.query("PRAGMA application_id").first?.first?.integer
        } catch {
            throw TuningError("\(path) is not a study file (\(error.description))")
        }
        guard id == applicationID else {
            throw TuningError("\(path) is an SQLite file but not a WeightedConv study (application id \(id ?? 0), expected \(applicationID))")
        }
        let version = try database.query("PRAGMA user_version").first?.first?.integer ?? 0
        guard version == formatVersion || version == 1 else {
            throw TuningError("\(path) is a study of format \(version); this program reads formats 1 and \(formatVersion)")
        }
        let check = try database.query("PRAGMA quick_check").first?.first?.text
        guard check == "ok" else { throw TuningError("\(path) is damaged (SQLite integrity check: \(check ?? "no answer"))") }
        if version == 1 && !readOnly {
            try database.transaction { () throws(TuningError) in
                try database.query("ALTER TABLE evaluation ADD COLUMN failure TEXT")
                try database.query("PRAGMA user_version = \(formatVersion)")
            }
        }
        return StudyStore(path: path, database: database, recordsFailures: version == formatVersion || !readOnly, lock: lock)
    }

    /// The settings the study was created with.
    /// - Throws: ``TuningError`` when they are missing or do not decode as `Settings`.
    public func settings<Settings: Decodable>(as type: Settings.Type) throws(TuningError) -> Settings {
        guard let text = try database.query("SELECT value FROM meta WHERE key = 'settings'").first?.first?.text else {
            throw TuningError("\(path) has no settings")
        }
        return try Self.decode(type, from: text, what: "settings")
    }

    /// Every finished evaluation, in order.
    /// - Throws: ``TuningError`` for an unreadable or damaged row.
    public func evaluations() throws(TuningError) -> [EvaluationRecord] {
        let failure = recordsFailures ? "failure" : "NULL"
        return try database.query("SELECT idx, role, point, seeds, scores, diverged, seconds, \(failure) FROM evaluation ORDER BY idx").map { row throws(TuningError) in
            guard row.count == 8, let index = row[0].integer, let role = row[1].text.flatMap(EvaluationRecord.Role.init(rawValue:)),
                  let point = row[2].text, let seeds = row[3].text, let scores = row[4].text, let diverged = row[5].text,
                  let seconds = row[6].real else {
                throw TuningError("\(path): evaluation row \(row.first.map { "\($0)" } ?? "?") is damaged")
            }
            let record = EvaluationRecord(
                index: Int(index), role: role, point: try Self.decode([Double].self, from: point, what: "point"),
                seeds: try Self.decode([UInt64].self, from: seeds, what: "seeds"),
                scores: try Self.decode([Double].self, from: scores, what: "scores"),
                diverged: try Self.decode([Bool].self, from: diverged, what: "divergence flags"), seconds: seconds, failure: row[7].text)
            guard record.scores.count == record.seeds.count, record.diverged.count == record.seeds.count else {
                throw TuningError("\(path): evaluation \(index) has \(record.seeds.count) seeds but \(record.scores.count) scores")
            }
            return record
        }
    }

    /// Appends a finished evaluation in one transaction (a kill leaves it whole or absent).
    /// - Throws: ``TuningError`` when the index is taken or the file cannot be written.
    public func append(_ record: EvaluationRecord) throws(TuningError) {
        let finished = ISO8601DateFormatter().string(from: Date())
        try database.transaction { () throws(TuningError) in
            try database.query("INSERT INTO evaluation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                .integer(Int64(record.index)), .text(record.role.rawValue), .text(try Self.encode(record.point)),
                .text(try Self.encode(record.seeds)), .text(try Self.encode(record.scores)), .text(try Self.encode(record.diverged)),
                record.score.isFinite ? .real(record.score) : .null, record.spread.isFinite ? .real(record.spread) : .null,
                .real(record.seconds), .text(record.status), .text(finished), record.failure.map { .text($0) } ?? .null,
            ])
        }
    }

    /// A named value stored as JSON beside the evaluations (e.g. the final test results), or nil.
    /// - Throws: ``TuningError`` when it does not decode as `Value`.
    public func value<Value: Decodable>(_ key: String, as type: Value.Type) throws(TuningError) -> Value? {
        guard let text = try database.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?.first?.text else { return nil }
        return try Self.decode(type, from: text, what: key)
    }

    /// Stores a named value as JSON, replacing an older one, in one transaction.
    /// - Throws: ``TuningError`` when the file cannot be written.
    public func setValue<Value: Encodable>(_ value: Value, for key: String) throws(TuningError) {
        let text = try Self.encode(value)
        try database.transaction { () throws(TuningError) in
            try database.query("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text(key), .text(text)])
        }
    }

    static func encode<Value: Encodable>(_ value: Value) throws(TuningError) -> String {
        do { return try JSONFiles.text(value, pretty: false) } catch {
            throw TuningError("cannot encode \(Value.self) as JSON: \(error)")
        }
    }

    private static func decode<Value: Decodable>(_ type: Value.Type, from text: String, what: String) throws(TuningError) -> Value {
        do { return try JSONFiles.decoder().decode(type, from: Data(text.utf8)) } catch {
            throw TuningError("the \(what) stored in the study do not decode: \(error)")
        }
    }
}
