import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// The queries behind reach-out restrictions, on both backends.
@Suite("Restriction queries")
struct RestrictionQueriesTests {
    @Test("postpone waits a message without failing it and gives back an attempt it had claimed; a restriction is one event with the notice",
          arguments: TestDatabaseKind.allCases)
    func postponeAndRecord(_ kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('r', 'Promo', 'sending', ?, 'x')", now)
            for n in 1...2 {
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES ('r', ?, ?) RETURNING id", "6281200000\(n)", n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, 'r', ?, ?, 'Halo', 'pending', ?)",
                               "r-\(n)", contact, "6281200000\(n)", now)
            }
        }
        try await database.markSending("r-1", session: "utama")
        let later = now.addingTimeInterval(3600)
        try await database.postpone(MessageClaim(id: "r-1", session: "utama"), until: later, reason: "restricted")
        try await database.postpone(MessageClaim(id: "r-2", session: "utama"), until: later, reason: "restricted")
        let rows = try await database.read { db in
            try db.query("SELECT id, state, attempts, reason, nextAttemptAt FROM messages ORDER BY id").map {
                (try $0.string("id"), try $0.string("state"), try $0.int("attempts"), $0.optionalString("reason"), $0.optionalDate("nextAttemptAt"))
            }
        }
        for row in rows {
            #expect(row.1 == "retrying" && row.2 == 0 && row.3 == "restricted" && row.4 == later, "\(row)")
        }
        #expect(try await database.nextMessages(of: "r", now: now, limit: 10).isEmpty, "not due before the restriction ends")
        #expect(try await database.nextMessages(of: "r", now: later, limit: 10).count == 2)

        try await database.recordReply(phone: "62812000001", session: "utama", messageId: "in-1", text: "halo", at: now, isOptOut: false)
        #expect(try await database.warmPhones(session: "utama", since: now.addingTimeInterval(-60)) == ["62812000001"])
        #expect(try await database.warmPhones(session: "cadangan", since: now.addingTimeInterval(-60)).isEmpty)

        try await database.recordSessionRestriction("utama", until: later, source: "timelock", notice: "restricted until later", at: now)
        let events = try await database.events(after: 0, kinds: [.sessionRestricted])
        #expect(events.count == 1)
        let payload = try #require(events.first.flatMap { try JSONSerialization.jsonObject(with: $0.payload) as? [String: Any] })
        #expect(payload["session"] as? String == "utama" && payload["source"] as? String == "timelock" && payload["until"] != nil)
        #expect(try await database.sessions().first { $0.name == "utama" }?.notice == "restricted until later")

        // The restriction ends: its notice goes; a stopped session's reason stays.
        try await database.recordSessionState("cadangan", state: "logged-out", notice: "logged out from the phone", at: now)
        try await database.recordSessionRestrictionLifted("utama", at: later)
        try await database.recordSessionRestrictionLifted("cadangan", at: later)
        let sessions = try await database.sessions()
        #expect(sessions.first { $0.name == "utama" }?.notice == nil)
        #expect(sessions.first { $0.name == "cadangan" }?.notice == "logged out from the phone")
    }
}
