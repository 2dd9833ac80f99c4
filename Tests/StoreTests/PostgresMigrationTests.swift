import Foundation
import GRDB
import SiaranTestSupport
@testable import Store
import Testing

@Suite("PostgreSQL migrations")
struct PostgresMigrationTests {
    @Test("the history is SQLite's: the same identifiers in the same order")
    func sameHistory() {
        #expect(PostgresMigrator.identifiers == SiaranDatabase.migrationIdentifiers)
    }

    @Test("a fresh database gets every migration once; opening it again changes nothing")
    func appliedOnce() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        let first = try await withBackend(url) { backend in
            #expect(try await backend.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
            return try await server.psql("SELECT identifier || ' ' || ordinal || ' ' || appliedAt FROM schemaMigrations ORDER BY ordinal", database: url.database)
        }
        let again = try await withBackend(url) { backend in
            #expect(try await backend.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
            return try await server.psql("SELECT identifier || ' ' || ordinal || ' ' || appliedAt FROM schemaMigrations ORDER BY ordinal", database: url.database)
        }
        #expect(first.split(separator: "\n").count == SiaranDatabase.migrationIdentifiers.count)
        #expect(first == again)
    }

    @Test("eight processes opening a new database at once take turns and agree on the schema")
    func concurrentOpeners() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        let outcomes = await withTaskGroup(of: Result<[String], any Error>.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        // Each backend has its own pool, like separate processes.
                        return .success(try await withBackend(url) { try await $0.appliedMigrations() })
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for outcome in outcomes {
            switch outcome {
            case .success(let applied): #expect(applied == SiaranDatabase.migrationIdentifiers)
            case .failure(let error): Issue.record("an opener failed: \(error)")
            }
        }
        #expect(try await server.psql("SELECT COUNT(*) FROM schemaMigrations", database: url.database) == "\(SiaranDatabase.migrationIdentifiers.count)")
    }

    @Test("a database with a migration from a newer Siaran is refused")
    func newerSchema() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        try await withBackend(url) { _ in }
        try await server.psql("INSERT INTO schemaMigrations (identifier, ordinal) VALUES ('v7-from-the-future', 7)", database: url.database)
        let error = await storeError { try await withBackend(url) { _ in } }
        #expect(error?.code == .migration)
        #expect(error?.detail.contains("v7-from-the-future") == true, "\(String(describing: error))")
        #expect(error?.detail.contains(server.password) == false)
    }

    /// Every earlier version, with data in it, migrates to the latest without losing rows.
    @Test("a database stopped at each earlier version migrates forward with its data",
          arguments: PostgresMigrations.all.indices)
    func upgradeFromEachVersion(index: Int) async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        try await server.psql(PostgresMigrator.createHistory, database: url.database)
        for (number, migration) in PostgresMigrations.all.prefix(index + 1).enumerated() {
            try await server.psql(migration.sql, database: url.database)
            try await server.psql("INSERT INTO schemaMigrations (identifier, ordinal) VALUES ('\(migration.identifier)', \(number + 1))", database: url.database)
        }
        try await server.psql("""
            INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'queued', '2026-11-25 01:00:00+00', 'state/spool/c1');
            INSERT INTO contacts (campaignId, phone, line) VALUES ('c1', '6281200000001', 1);
            INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt, repliedAt)
              VALUES ('m1', 'c1', 1, '6281200000001', 'Halo', 'read', '2026-11-25 01:00:00+00', '2026-11-25 02:00:00+00');
            INSERT INTO optOuts (phone, source, createdAt) VALUES ('6281234567890', 'reply', '2026-11-25 01:00:00+00');
            """, database: url.database)
        try await withBackend(url) { backend in
            #expect(try await backend.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
            let counts = try await backend.read { db in
                [try db.scalarInt("SELECT COUNT(*) FROM campaigns"), try db.scalarInt("SELECT COUNT(*) FROM optOuts"),
                 try db.scalarInt("SELECT count FROM messageTallies WHERE campaignId = 'c1' AND state = 'read'"),
                 try db.scalarInt("SELECT replied FROM messageTallies WHERE campaignId = 'c1' AND state = 'read'")]
            }
            // The tallies are counted from the messages already there (v5's backfill).
            #expect(counts == [1, 1, 1, 1])
        }
    }

    @Test("tables, columns, types, nullability and indexes match SQLite's")
    func sameSchemaAsSQLite() async throws {
        let sqlite = try SiaranDatabase()
        let sqliteSchema = try await (sqlite.backend as! SQLiteBackend).writer.read { db in
            var tables: [String: [String: String]] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'") {
                var columns: [String: String] = [:]
                for column in try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table]) {
                    let name: String = column["name"], type: String = column["type"]
                    let notNull = (column["notnull"] as Int) != 0 || (column["pk"] as Int) != 0
                    columns[name.lowercased()] = Self.postgresType(forSQLite: type) + (notNull ? " not null" : "")
                }
                tables[table.lowercased()] = columns
            }
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")
            return (tables, Set(indexes.map { $0.lowercased() }))
        }
        try await withPostgres { backend in
            let postgresSchema = try await backend.read { db in
                var tables: [String: [String: String]] = [:]
                for column in try db.query("""
                    SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name != 'schemamigrations'
                    """) {
                    tables[try column.string("table_name"), default: [:]][try column.string("column_name")] =
                        try column.string("data_type") + (try column.string("is_nullable") == "NO" ? " not null" : "")
                }
                // Indexes of their own, not those behind PRIMARY KEY and UNIQUE constraints.
                let indexes = try db.query("""
                    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
                    AND indexname NOT IN (SELECT conname FROM pg_constraint)
                    """).map { try $0.string("indexname") }
                return (tables, Set(indexes))
            }
            #expect(postgresSchema.0 == sqliteSchema.0)
            #expect(postgresSchema.1 == sqliteSchema.1)
        }
    }

    @Test("the constraints refuse what SQLite's refuse, and deletes cascade the same way")
    func constraints() async throws {
        try await withPostgres { backend in
            try await backend.write { db in
                try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'queued', ?, 'x')", Date())
                try db.execute("INSERT INTO contacts (campaignId, phone, line) VALUES ('c1', '6281234567890', 1)", [])
                try db.execute("INSERT INTO campaignStages (campaignId, stage, completedAt) VALUES ('c1', 'contacts', ?)", Date())
                try db.execute("""
                    INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES ('m1', 'c1', 1, '6281234567890', 'Halo', 'pending', ?)
                    """, Date())
            }
            let refusals: [(String, [SQLValue], String)] = [
                ("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES ('m2', 'c1', 1, 'p', 'Halo', 'lost', now())", [], "23514"),
                ("INSERT INTO users (username, passwordHash, role, createdAt) VALUES ('a', 'h', 'god', now())", [], "23514"),
                ("INSERT INTO drops (id, name, contentHash, receivedAt, outcome) VALUES ('d', 'n', 'h', now(), 'maybe')", [], "23514"),
                ("INSERT INTO contacts (campaignId, phone, line) VALUES ('c1', '6281234567890', 2)", [], "23505"),
                ("INSERT INTO campaigns (id, name, dropId, state, createdAt, spoolPath) VALUES ('c2', 'n', 'no-such-drop', 'queued', now(), 'x')", [], "23503"),
                ("INSERT INTO replies (phone, messageId, receivedAt) VALUES ('p', 'r1', now()), ('p', 'r1', now())", [], "none"),
                ("INSERT INTO replies (phone, session, messageId, receivedAt) VALUES ('p', 's', 'r2', now()), ('p', 's', 'r2', now())", [], "23505"),
            ]
            for (sql, arguments, state) in refusals {
                do {
                    _ = try await backend.write { db in try db.execute(sql, arguments) }
                    #expect(state == "none", "accepted: \(sql)")
                } catch let error as PostgresStatementError {
                    #expect(error.sqlState == state, "\(sql): \(error)")
                }
            }
            _ = try await backend.write { db in try db.execute("DELETE FROM campaigns WHERE id = 'c1'", []) }
            let left = try await backend.read { db in
                try ["contacts", "messages", "campaignStages", "messageTallies"].map { try db.scalarInt("SELECT COUNT(*) FROM \($0)") }
            }
            #expect(left == [0, 0, 0, 0])
        }
    }

    @Test("after a copy with explicit ids, resetting the identity sequences lets new rows follow")
    func identityReset() async throws {
        try await withPostgres { backend in
            try await backend.write { db in
                for id in 1...5 {
                    try db.execute("INSERT INTO users (id, username, passwordHash, role, createdAt) VALUES (?, ?, 'h', 'viewer', now())", id, "u\(id)")
                }
                try db.execute("INSERT INTO domainEvents (id, at, kind, payload) VALUES (41, now(), 'campaign.started', '\\x7b7d')", [])
            }
            // Without the reset the sequence still starts at 1, where a copied row already is.
            await #expect(throws: PostgresStatementError.self) {
                try await backend.write { db in try db.execute("INSERT INTO users (username, passwordHash, role, createdAt) VALUES ('new', 'h', 'viewer', now())", []) }
            }
            let ids = try await backend.write { db in
                try PostgresMigrator.resetIdentitySequences(in: db)
                return [
                    try db.scalarInt("INSERT INTO users (username, passwordHash, role, createdAt) VALUES ('new', 'h', 'viewer', now()) RETURNING id"),
                    try db.scalarInt("INSERT INTO domainEvents (at, kind, payload) VALUES (now(), 'campaign.started', '\\x7b7d') RETURNING id"),
                ]
            }
            #expect(ids == [6, 42])
            let next = try await backend.write { db in
                try PostgresMigrator.resetIdentitySequences(in: db)
                return try db.scalarInt("INSERT INTO auditLog (at, actor, action) VALUES (now(), 'test', 'x') RETURNING id")
            }
            #expect(next == 1)
        }
    }

    /// GRDB's declared SQLite types and the PostgreSQL type each stands for.
    private static func postgresType(forSQLite type: String) -> String {
        switch type.uppercased() {
        case "TEXT": "text"
        case "INTEGER": "bigint"
        case "DATETIME": "timestamp with time zone"
        case "BOOLEAN": "boolean"
        case "REAL": "double precision"
        case "BLOB": "bytea"
        case "JSON", "JSONTEXT": "text"
        default: "unknown SQLite type \(type)"
        }
    }
}
