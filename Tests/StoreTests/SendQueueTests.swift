import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// The send loop reads its queue from where the last batch ended, and still finds every message:
/// those left `sending` by a crash, retries, and messages given back behind its position.
@Suite("The send loop's queue position")
struct SendQueueTests {
    private func campaign(messages: Int, in database: SiaranDatabase) async throws {
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('q', 'Promo', 'sending', ?, 'x')", Date())
            for n in 1...messages {
                let phone = "62812\(String(format: "%08d", n))"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES ('q', ?, ?) RETURNING id", phone, n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, 'q', ?, ?, 'Halo', 'pending', ?)",
                               "q-\(n)", contact, phone, Date())
            }
        }
    }

    private func ids(_ messages: [MessageRecord]) -> [String] { messages.map(\.id) }

    @Test("leftovers first and once, then the pending range from the position; given-back messages are still found",
          arguments: TestDatabaseKind.allCases)
    func position(_ kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(messages: 10, in: database)
        // A crash left q-7 `sending`: the loop's first batch starts with it.
        try await database.markSending("q-7", session: "utama")
        var position = SendQueuePosition()
        let first = try await database.nextMessages(of: "q", now: Date(), limit: 4, position: &position)
        #expect(ids(first) == ["q-7", "q-1", "q-2", "q-3"])
        try await database.recordSent([], thenClaim: first.map { MessageClaim(id: $0.id, session: "utama") })
        try await database.recordSent(first.map { SentMessage(id: $0.id, at: Date()) }, thenClaim: [])

        // The next batch is claimed; two of it are given back (a pause) without telling the position.
        let second = try await database.nextMessages(of: "q", now: Date(), limit: 3, position: &position)
        #expect(ids(second) == ["q-4", "q-5", "q-6"])
        try await database.recordSent([], thenClaim: second.map { MessageClaim(id: $0.id, session: "utama") })
        try await database.recordSent([SentMessage(id: "q-4", at: Date())], thenClaim: [])
        try await database.releaseClaims(["q-5", "q-6"])
        // A message still `sending` now belongs to the loop itself: it is not read as a leftover.
        try await database.markSending("q-8", session: "utama")
        let third = try await database.nextMessages(of: "q", now: Date(), limit: 3, position: &position)
        #expect(ids(third) == ["q-9", "q-10", "q-5"], "after the position, then the range behind it when that runs short")
        // Told that claims came back, the next batch starts from the front of the range.
        position.claimsReleased()
        let fourth = try await database.nextMessages(of: "q", now: Date(), limit: 2, position: &position)
        #expect(ids(fourth) == ["q-5", "q-6"])
        // A due retry comes before pending messages.
        try await database.markSending("q-9", session: "utama")
        try await database.markRetrying(MessageClaim(id: "q-9", session: "utama"), reason: "timeout", next: Date().addingTimeInterval(-1))
        let fifth = try await database.nextMessages(of: "q", now: Date(), limit: 2, position: &position)
        #expect(ids(fifth) == ["q-9", "q-10"])
    }
}
