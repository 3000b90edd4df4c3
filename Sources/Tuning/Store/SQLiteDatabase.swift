import CSQLite

/// A connection to one SQLite file: statements with bound text, integer and real values, rows
/// read back as ``SQLiteDatabase/Value``s, every failure a thrown ``TuningError`` naming the file.
final class SQLiteDatabase {
    /// A column value.
    enum Value: Equatable {
        case integer(Int64), real(Double), text(String), null

        var integer: Int64? { if case .integer(let v) = self { v } else { nil } }
        var real: Double? {
            switch self {
            case .real(let v): v
            case .integer(let v): Double(v)
            default: nil
            }
        }
        var text: String? { if case .text(let v) = self { v } else { nil } }
    }

    let path: String
    private let handle: OpaquePointer

    /// Opens `path` (created when `create` and missing); readers and a writer may share the file.
    /// - Throws: ``TuningError`` when the file cannot be opened.
    init(path: String, readOnly: Bool, create: Bool) throws(TuningError) {
        self.path = path
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        let code = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(code)"
            sqlite3_close(db)
            throw TuningError("cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 30_000)
    }

    deinit { sqlite3_close(handle) }

    /// Runs one statement with `arguments` bound to its `?` parameters and returns its rows.
    /// - Throws: ``TuningError`` with SQLite's message (e.g. "file is not a database").
    @discardableResult
    func query(_ sql: String, _ arguments: [Value] = []) throws(TuningError) -> [[Value]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure()
        }
        defer { sqlite3_finalize(statement) }
        for (i, argument) in arguments.enumerated() {
            let index = Int32(i + 1)
            switch argument {
            case .integer(let v): sqlite3_bind_int64(statement, index, v)
            case .real(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        var rows: [[Value]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure() }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: .text(String(cString: sqlite3_column_text(statement, column)))
                default: .null
                }
            })
        }
    }

    /// Runs `body` in one transaction taken for writing at once: committed when `body`
    /// returns, rolled back when it throws.
    @discardableResult
    /// - Throws: what `body` throws, or ``TuningError`` when SQLite cannot begin or commit.
    func transaction<T>(_ body: () throws(TuningError) -> T) throws(TuningError) -> T {
        try query("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    private func failure() -> TuningError {
        TuningError("\(path): \(String(cString: sqlite3_errmsg(handle)))")
    }
}
