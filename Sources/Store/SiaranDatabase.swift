public import Foundation
public import Logging

/// Siaran's database: campaigns, messages, contacts, opt-outs, users, the audit log and the
/// event log webhooks read. The embedded SQLite file by default, or a PostgreSQL server.
///
/// Every query lives in this module, behind typed methods (`SiaranDatabase+….swift`); no other
/// module sees SQL, a table name or the database library. Each method is one transaction, so a
/// stage's output and its checkpoint always commit together.
public final class SiaranDatabase: Sendable {
    let backend: any SQLBackend
    /// Where the database lives; nil for an in-memory test database.
    public let location: DatabaseLocation?

    /// The SQLite file, when the database is one.
    public var path: String? {
        if case .sqlite(let path) = location { return path }
        return nil
    }

    /// `sqlite` or `postgres`.
    public var dialect: SQLDialect { backend.dialect }

    /// Opens (creating if needed) a SQLite database file and runs every pending migration.
    public init(path: String) throws {
        self.backend = try SQLiteBackend(path: path)
        self.location = .sqlite(path: path)
    }

    /// An in-memory SQLite database for tests, migrated like a real one.
    public init(inMemory: Void = ()) throws {
        self.backend = try SQLiteBackend(inMemory: ())
        self.location = nil
    }

    init(backend: any SQLBackend, location: DatabaseLocation?) {
        self.backend = backend
        self.location = location
    }

    /// Opens the configured database: SQLite at once, PostgreSQL after connecting and migrating.
    /// Errors are `StoreError`s in plain words, without the password.
    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> SiaranDatabase {
        switch location {
        case .sqlite(let path):
            return try SiaranDatabase(path: path)
        case .postgres(let url):
            return SiaranDatabase(backend: try await PostgresBackend.connect(url, logger: logger), location: location)
        }
    }

    /// Identifiers of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await backend.appliedMigrations()
    }

    /// Every migration this program knows, oldest first: the same numbered history on both backends.
    public static var migrationIdentifiers: [String] { SQLiteMigrations.identifiers }

    /// Answers when the database can be reached now (readiness checks, `config check`).
    public func ping() async throws {
        try await backend.ping()
    }

    /// Commits of every worker, announced as they happen (PostgreSQL `LISTEN/NOTIFY`); nil on
    /// SQLite, where one machine's live views keep polling.
    public func changes() -> DatabaseChanges? {
        (backend as? PostgresBackend)?.changes()
    }

    /// Lets go of the database's connections; for PostgreSQL, also its background task.
    public func close() async {
        await backend.close()
    }

    /// Runs `body` in one write transaction. Internal: other modules call typed methods.
    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await backend.write(body)
    }

    /// Runs `body` against one consistent snapshot. Internal: other modules call typed methods.
    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await backend.read(body)
    }

    /// A write that completes even when the calling task was cancelled: a send loop that stops
    /// must still record the message it put on the wire.
    func writeEvenIfCancelled<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        let backend = backend
        return try await Task.detached { try await backend.write(body) }.value
    }
}
