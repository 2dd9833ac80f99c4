import Foundation
import GRDB
@testable import Store
import SiaranTestSupport
import Testing

/// The per-campaign tallies the triggers keep must always equal counting the messages.
@Suite("Message tallies kept by triggers")
struct MessageTallyTests {
    /// Counting the slow way, straight from the messages.
    private func counted(_ database: SiaranDatabase) async throws -> [String: MessageCounts] {
        try await database.read { db in
            var result: [String: MessageCounts] = [:]
            for row in try db.query("""
                SELECT campaignId, state, COUNT(*), SUM(CASE WHEN repliedAt IS NOT NULL THEN 1 ELSE 0 END) FROM messages GROUP BY campaignId, state
                """) {
                result[try row.string(at: 0), default: MessageCounts()].add(state: try row.string(at: 1), count: try row.int(at: 2), replied: try row.int(at: 3))
            }
            return result
        }
    }

    private func insertCampaign(_ id: String, messages: Int, in database: SiaranDatabase) async throws {
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES (?, ?, 'sending', ?, 'x')", id, "Promo \(id)", Date())
            for n in 0..<messages {
                let phone = "6281\(id.utf8.reduce(0) { $0 + Int($1) })\(String(format: "%07d", n))"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES (?, ?, ?) RETURNING id", id, phone, n + 1)!.int64("id")
                try db.execute("""
                    INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, ?, ?, ?, 'Halo', 'pending', ?)
                    """, "\(id)-\(n)", id, contact, phone, Date())
            }
        }
    }

    @Test("every way a message changes (send, fail, retry, receipts, replies, deletes) keeps the tallies exact",
          arguments: TestDatabaseKind.allCases)
    func randomChanges(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await insertCampaign("a", messages: 60, in: database)
        try await insertCampaign("b", messages: 40, in: database)
        let ids = (0..<60).map { "a-\($0)" } + (0..<40).map { "b-\($0)" }
        for step in 0..<600 {
            // A fixed walk over messages and changes (7919 is prime, so every message comes up).
            let id = ids[(step * 7919) % ids.count]
            let at = Date(timeIntervalSince1970: 1_764_547_200 + Double(step))
            switch (step * 5 + step / 8) % 10 {
            case 0: try await database.markSending(id, session: "toko")
            case 1: try await database.markSent(id, at: at)
            case 2: try await database.failUnsent(MessageClaim(id: id, session: "toko"), reason: "not-on-whatsapp", at: at)
            case 3: try await database.markRetrying(MessageClaim(id: id, session: "toko"), reason: "timeout", next: at)
            case 4: try await database.markDelivered(id, at: at)
            case 5: try await database.markRead(id, at: at)
            case 7:
                // The send loop's group commit: the next messages claimed with the previous ones recorded.
                let next = [ids[(step * 31) % ids.count], ids[(step * 37) % ids.count]]
                try await database.recordSent([SentMessage(id: id, at: at)], thenClaim: next.map { MessageClaim(id: $0, session: "toko") })
            case 8: try await database.releaseClaims([id, ids[(step * 13) % ids.count]])
            case 6:
                let phone = try await database.read { db in try db.scalar("SELECT phone FROM messages WHERE id = ?", id).textValue }
                _ = try await database.recordReply(phone: phone ?? "", session: "toko", messageId: "reply-\(step)", text: "Terima kasih",
                                                   at: at, isOptOut: false)
            default:
                try await database.write { db in try db.execute("UPDATE messages SET repliedAt = NULL WHERE id = ?", id) }
            }
        }
        let expected = try await counted(database)
        #expect(try await database.messageCounts(of: ["a", "b"]) == expected)
        #expect(try await database.messageCounts(of: "a") == expected["a"])
        #expect(expected["a"]?.total == 60 && expected["b"]?.total == 40)

        try await database.write { db in try db.execute("DELETE FROM messages WHERE id IN ('a-1', 'a-2', 'b-3')") }
        #expect(try await database.messageCounts(of: ["a", "b"]) == (try await counted(database)))
        // Removing a campaign removes its messages (cascade) and its tallies with them.
        try await database.write { db in try db.execute("DELETE FROM campaigns WHERE id = 'b'") }
        #expect(try await database.messageCounts(of: ["a", "b"]).keys.sorted() == ["a"])
        let leftovers = try await database.read { db in try db.scalarInt("SELECT COUNT(*) FROM messageTallies WHERE campaignId = 'b'") }
        #expect(leftovers == 0)
    }

    @Test("a group commit records sends and claims the next messages together; a receipt that came first keeps its state",
          arguments: TestDatabaseKind.allCases)
    func groupCommit(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await insertCampaign("g", messages: 6, in: database)
        let at = Date(timeIntervalSince1970: 1_764_547_200)
        try await database.recordSent([], thenClaim: (0..<3).map { MessageClaim(id: "g-\($0)", session: $0 == 2 ? "cadangan" : "utama") })
        try await database.markDelivered("g-1", at: at.addingTimeInterval(1))  // the receipt overtakes the record
        try await database.recordSent((0..<3).map { SentMessage(id: "g-\($0)", at: at.addingTimeInterval(Double($0))) },
                                      thenClaim: (3..<6).map { MessageClaim(id: "g-\($0)", session: "utama") })
        try await database.releaseClaims(["g-4", "g-5"])
        let rows = try await database.read { db in
            try db.query("SELECT id, state, session, attempts, sentAt FROM messages WHERE campaignId = 'g' ORDER BY id").map {
                (try $0.string("id"), try $0.string("state"), $0["session"].textValue, try $0.int("attempts"), $0["sentAt"].dateValue)
            }
        }
        #expect(rows.map(\.1) == ["sent", "delivered", "sent", "sending", "pending", "pending"])
        #expect(rows.map(\.2) == ["utama", "utama", "cadangan", "utama", "utama", "utama"])
        #expect(rows.map(\.3) == [1, 1, 1, 1, 0, 0])
        #expect(rows[1].4 == at.addingTimeInterval(1) && rows[2].4 == at.addingTimeInterval(2), "each message keeps its own send time")
        #expect(try await database.messageCounts(of: ["g"]) == (try await counted(database)))
    }

    @Test("a database from before the tallies gets them counted from its messages when it is upgraded")
    func backfill() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-tallies-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let queue = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator.migrate(queue, upTo: "v4-domain-events")
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('old', 'Promo lama', 'done', '2026-11-01 01:00:00', 'x');
                INSERT INTO contacts (campaignId, phone, line) VALUES ('old', '6281200000001', 1), ('old', '6281200000002', 2), ('old', '6281200000003', 3);
                INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt, repliedAt) VALUES
                  ('m1', 'old', 1, '6281200000001', 'Halo', 'read', '2026-11-01', '2026-11-01 02:00:00'),
                  ('m2', 'old', 2, '6281200000002', 'Halo', 'read', '2026-11-01', NULL),
                  ('m3', 'old', 3, '6281200000003', 'Halo', 'failed', '2026-11-01', NULL);
                """)
        }
        try queue.close()
        let database = try SiaranDatabase(path: path)
        let counts = try await database.messageCounts(of: "old")
        #expect(counts.total == 3 && counts.read == 2 && counts.failed == 1 && counts.replied == 1)
    }

    @Test("a campaign without messages counts zero, and asking for no campaigns asks nothing", arguments: TestDatabaseKind.allCases)
    func empty(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await insertCampaign("none", messages: 0, in: database)
        #expect(try await database.messageCounts(of: "none") == MessageCounts())
        #expect(try await database.messageCounts(of: []).isEmpty)
    }
}
