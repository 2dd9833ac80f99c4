import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// Warm and cold contacts, cold sends per session, and messages queued ahead, on both backends.
@Suite("Engagement queries: warm and cold")
struct EngagementQueryTests {
    @Test("warm is a reply within the days given; cold sends and the queue ahead are counted", arguments: TestDatabaseKind.allCases)
    func counts(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date(timeIntervalSince1970: 1_764_547_200)
        try await database.write { db in
            for (id, priority, state, created) in [("early", 0, "queued", -60.0), ("me", 0, "queued", 0), ("later", 0, "queued", 60), ("urgent", 5, "sending", 120), ("old", 9, "done", 0)] {
                try db.execute("INSERT INTO campaigns (id, name, state, priority, createdAt, spoolPath) VALUES (?, ?, ?, ?, ?, 'x')",
                               id, id, state, priority, now.addingTimeInterval(created))
                for n in 0..<4 {
                    let phone = "6281200000\(n)"
                    let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES (?, ?, ?) RETURNING id", id, phone, n + 1)!.int64("id")
                    try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, ?, ?, ?, 'Halo', 'pending', ?)",
                                   "\(id)-\(n)", id, contact, phone, now)
                }
            }
        }
        // 62812000000 wrote yesterday (warm); 62812000001 wrote two months ago (cold again).
        try await database.recordReply(phone: "62812000000", session: "utama", messageId: "r1", text: "Ya", at: now.addingTimeInterval(-86_400), isOptOut: false)
        try await database.recordReply(phone: "62812000001", session: "utama", messageId: "r2", text: "Ya", at: now.addingTimeInterval(-60 * 86_400), isOptOut: false)
        let warmSince = now.addingTimeInterval(-30 * 86_400)
        #expect(try await database.warmPhones(since: warmSince) == ["62812000000"])
        let split = try await database.warmColdCounts(of: "me", warmSince: warmSince)
        #expect(split.warm == 1 && split.cold == 3)
        // Before "me": "early" (same priority, older) and "urgent" (higher priority); not "later", not the finished one.
        #expect(try await database.pendingMessagesAhead(of: "me") == 8)
        for n in 0..<3 {
            try await database.markSending("me-\(n)", session: "utama")
            try await database.markSent("me-\(n)", at: now)
        }
        #expect(try await database.coldSentCount(session: "utama", since: now.addingTimeInterval(-86_400), warmSince: warmSince) == 2)
        #expect(try await database.coldSentCount(session: "lain", since: now.addingTimeInterval(-86_400), warmSince: warmSince) == 0)
    }
}
