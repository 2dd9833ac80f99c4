import Foundation
import GRDB
@testable import Store
import Testing

@Suite("Database migrations")
struct MigrationTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("siaran-store-\(UUID()).sqlite").path
    }

    @Test("a fresh file database is migrated to the latest version in WAL mode")
    func freshDatabase() async throws {
        let path = temporaryPath()
        defer { removeDatabase(path) }
        let database = try SiaranDatabase(path: path)
        #expect(try await database.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
        #expect(try await database.read { db in try db.scalar("PRAGMA journal_mode").textValue } == "wal")
        let tables = try await database.read { db in
            try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map { try $0.string(at: 0) }
        }
        for table in ["users", "sessions", "campaigns", "contacts", "messages", "campaignStages", "drops", "optOuts"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test("reopening an up-to-date database changes nothing")
    func reopen() async throws {
        let path = temporaryPath()
        defer { removeDatabase(path) }
        _ = try SiaranDatabase(path: path)
        let again = try SiaranDatabase(path: path)
        #expect(try await again.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
    }

    /// Every earlier version, with data in it, migrates to the latest without losing rows.
    @Test("a database stopped at each earlier version migrates forward with its data",
          arguments: SiaranDatabase.migrationIdentifiers.indices)
    func upgradeFromEachVersion(index: Int) async throws {
        let path = temporaryPath()
        defer { removeDatabase(path) }
        let queue = try DatabaseQueue(path: path)
        let target = SiaranDatabase.migrationIdentifiers[index]
        try SQLiteMigrations.migrator.migrate(queue, upTo: target)
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'queued', '2026-11-25 01:00:00', 'state/spool/c1');
                INSERT INTO optOuts (phone, source, createdAt) VALUES ('6281234567890', 'reply', '2026-11-25 01:00:00');
                """)
        }
        try queue.close()
        let database = try SiaranDatabase(path: path)
        #expect(try await database.appliedMigrations() == SiaranDatabase.migrationIdentifiers)
        let counts = try await database.read { db in
            (try db.scalarInt("SELECT COUNT(*) FROM campaigns"), try db.scalarInt("SELECT COUNT(*) FROM optOuts"))
        }
        #expect(counts == (1, 1))
    }

    @Test("the schema refuses a message in an unknown state")
    func stateCheck() async throws {
        let database = try SiaranDatabase()
        await #expect(throws: DatabaseError.self) {
            try await database.write { db in
                try db.execute("""
                    INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'queued', '2026-11-25', 'x');
                    INSERT INTO contacts (campaignId, phone, line) VALUES ('c1', '6281234567890', 1);
                    INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt)
                      VALUES ('3EB0AA', 'c1', 1, '6281234567890', 'Halo', 'lost', '2026-11-25');
                    """)
            }
        }
    }

    private func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

@Suite("Database opened by several processes at once")
struct ConcurrentOpenTests {
    @Test("many openers of a new database at the same moment all succeed and agree on the schema")
    func concurrentOpen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-concurrent-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".migrate.lock"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        // Separate pools stand for separate processes (the daemon and a CLI command): each has
        // its own connections, and flock locks are per open file description.
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do { _ = try SiaranDatabase(path: path); return nil } catch { return "\(error)" }
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(try await SiaranDatabase(path: path).appliedMigrations() == SiaranDatabase.migrationIdentifiers)
    }
}
