import Foundation
import GRDB

/// The embedded SQLite database (`state/siaran.sqlite`) through GRDB: WAL mode, migrated on open.
/// GRDB runs each transaction on its own serial queue, so the synchronous bodies never occupy
/// Swift's cooperative pool; reads run concurrently with the writer.
final class SQLiteBackend: SQLBackend {
    let writer: any DatabaseWriter
    let path: String?
    var dialect: SQLDialect { .sqlite }

    /// Opens (creating if needed) the database file and runs every pending migration.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // NORMAL is durable in WAL mode across an application crash; only an OS crash can
            // lose the last commits, which the pipeline's idempotent stages tolerate.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Opening switches a new file to WAL (SQLite does not wait for a busy lock there) and
        // runs the pending migrations (GRDB checks what is applied before its transactions).
        // The daemon and a CLI command (`siaran campaigns list` while `siaran run` starts) may
        // do both at the same moment, so processes take turns on `<path>.migrate.lock`.
        self.writer = try FileLock.withExclusiveLock(at: path + ".migrate.lock") {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteMigrations.migrator.migrate(pool)
            return pool
        }
        self.path = path
    }

    /// An in-memory database for tests, migrated like a real one.
    init(inMemory: Void = ()) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        let queue = try DatabaseQueue(configuration: configuration)
        self.writer = queue
        self.path = nil
        try SQLiteMigrations.migrator.migrate(queue)
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        do {
            return try await writer.write { db in try body(SQLiteConnection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.storeError(error) ?? error
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        do {
            return try await writer.read { db in try body(SQLiteConnection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.storeError(error) ?? error
        }
    }

    /// SQLite's answers that mean "not now" rather than "wrong": the pipeline waits and tries
    /// the step again instead of failing a campaign (constraint errors and the like pass through).
    static func storeError(_ error: DatabaseError) -> StoreError? {
        switch error.resultCode {
        case .SQLITE_FULL:
            StoreError(.diskFull, detail: "disk full: the database file cannot grow")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            StoreError(.locked, detail: "the database is locked by another process")
        case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
            StoreError(.ioError, detail: "the database file cannot be written (\(error.message ?? "I/O error"))")
        default:
            nil
        }
    }

    func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    func close() async {
        try? (writer as? DatabasePool)?.close()
    }
}

/// One GRDB database access seen through the portable `SQLConnection`.
struct SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        if arguments.isEmpty {
            // Possibly several statements (schema steps); run once, not worth caching.
            try db.execute(sql: sql)
        } else {
            // The hot statements (a message rendered, a group claimed) run thousands of times:
            // compiled once per connection, as queries already are.
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        }
        return db.changesCount
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(Self.arguments(arguments))
        let columns = statement.columnNames
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
            try body(SQLRow(columns: columns, values: (0..<columns.count).map { Self.value(row[$0] as DatabaseValue) }))
        }
    }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case .integer(let int): int.databaseValue
            case .real(let double): double.databaseValue
            case .text(let text): text.databaseValue
            case .bool(let bool): bool.databaseValue
            // GRDB's text form, so dates written before this layer compare and sort the same.
            case .date(let date): date.databaseValue
            case .blob(let data): data.databaseValue
            }
        })
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let int): .integer(int)
        case .double(let double): .real(double)
        case .string(let text): .text(text)
        case .blob(let data): .blob(data)
        }
    }
}
