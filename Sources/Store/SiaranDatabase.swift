public import GRDB
import Foundation

/// The embedded SQLite database (`state/siaran.sqlite`), opened in WAL mode and migrated on open.
///
/// Every other module reaches the database through this type; queries live in extensions
/// (`SiaranDatabase+Campaigns.swift`, …) so the schema stays in one place.
public final class SiaranDatabase: Sendable {
    /// The GRDB pool; writes are serialised by GRDB, reads run concurrently with WAL.
    public let writer: any DatabaseWriter
    /// Where the database lives, or nil for an in-memory database.
    public let path: String?

    /// Opens (creating if needed) the database file and runs every pending migration.
    public init(path: String) throws {
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
            try Self.migrator.migrate(pool)
            return pool
        }
        self.path = path
    }

    /// An in-memory database for tests, migrated like a real one.
    public init(inMemory: Void = ()) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        let queue = try DatabaseQueue(configuration: configuration)
        self.writer = queue
        self.path = nil
        try Self.migrator.migrate(queue)
    }

    /// Identifiers of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// SQLite's journal mode, `wal` for a file database.
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
