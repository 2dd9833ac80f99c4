import Foundation

/// Brings a PostgreSQL database to the latest schema: each pending migration in order, each in
/// its own transaction together with its row in `schemaMigrations`, under an advisory lock so
/// processes starting at once (the daemon and a CLI command) take turns and each sees what the
/// one before it applied.
public enum PostgresMigrator {
    /// The table that records what has been applied. Not itself a migration: it has to exist
    /// before the first one can be recorded.
    static let createHistory = """
        CREATE TABLE IF NOT EXISTS schemaMigrations (
          identifier text PRIMARY KEY,
          ordinal integer NOT NULL,
          appliedAt timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Every migration this program knows, oldest first (the same identifiers as SQLite's).
    public static var identifiers: [String] { PostgresMigrations.identifiers }

    static func migrate(_ backend: PostgresBackend) async throws {
        let url = backend.url
        // A first look under the lock; an up-to-date database needs nothing more.
        let applied = try await step("checking the schema", url) {
            try await backend.transaction(.migration) { connection in
                try connection.execute(createHistory)
                return try checkedApplied(in: connection, url: url)
            }
        }
        for (index, migration) in PostgresMigrations.all.enumerated() where !applied.contains(migration.identifier) {
            try await step("migration \(migration.identifier)", url) {
                try await backend.transaction(.migration) { connection in
                    // Another process may have applied it while this one waited for the lock.
                    guard !(try checkedApplied(in: connection, url: url)).contains(migration.identifier) else { return }
                    try connection.execute(migration.sql)
                    try connection.execute("INSERT INTO schemaMigrations (identifier, ordinal) VALUES (?, ?)", migration.identifier, index + 1)
                }
            }
        }
    }

    /// The applied migrations, refusing a database that has one this program does not know.
    private static func checkedApplied(in connection: any SQLConnection, url: DatabaseURL) throws -> [String] {
        let applied = try applied(in: connection)
        let known = PostgresMigrations.identifiers
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw StoreError(.migration, detail: "the database at \(url.redacted) has migration \(unknown), which this version of Siaran does not know: a newer Siaran upgraded it; run that version or a newer one")
        }
        return applied
    }

    /// Runs one step, reporting any failure as `.migration` with what was being done.
    private static func step<T>(_ what: String, _ url: DatabaseURL, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error.code == .migration || error.code == .unreachable || error.code == .refused {
            throw error
        } catch {
            throw StoreError(.migration, detail: "\(what) failed on \(url.redacted): \(error)")
        }
    }

    /// Identifiers of the applied migrations, oldest first (none before the first migration).
    static func applied(in connection: any SQLConnection) throws -> [String] {
        let exists = try connection.scalar("SELECT to_regclass('schemamigrations') IS NOT NULL")
        guard exists == .bool(true) else { return [] }
        return try connection.query("SELECT identifier FROM schemaMigrations ORDER BY ordinal, appliedAt").map { try $0.string("identifier") }
    }

    /// After rows were copied in with their ids (`database copy`), moves every identity column's
    /// sequence past the largest id, so the next insert does not collide with a copied row.
    /// Call inside the copy's write transaction.
    public static func resetIdentitySequences(in connection: any SQLConnection) throws {
        let columns = try connection.query("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name
            """)
        for column in columns {
            let table = try column.string("table_name"), name = try column.string("column_name")
            // Names come from the catalog (lower case), quoted so they are taken as they are.
            try connection.execute("""
                SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX("\(name)") FROM "\(table)"), 0) + 1, false)
                """, "\"\(table)\"", name)
        }
    }
}
