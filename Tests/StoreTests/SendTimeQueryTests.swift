import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// `send_time: best` in the Store: each contact's read and reply hours from real campaigns, the
/// plan stored once, the queue leaving timed messages alone until their time, and the comparison
/// the reports show; on both backends.
@Suite("Send times: history hours, the stored plan and the queue")
struct SendTimeQueryTests {
    /// 2025-11-24 00:00 UTC = 07:00 in Jakarta.
    static let day = Date(timeIntervalSince1970: 1_763_942_400)
    static func phone(_ n: Int) -> String { "62812\(String(format: "%08d", n))" }

    private func campaign(_ id: String, phones: [Int], rehearsal: Bool, in database: SiaranDatabase) async throws {
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath, rehearsal) VALUES (?, ?, 'sending', ?, 'x', ?)",
                           id, id, Self.day, rehearsal)
            for n in phones {
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES (?, ?, ?) RETURNING id", id, Self.phone(n), n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, ?, ?, ?, 'Halo', 'pending', ?)",
                               "\(id)-\(n)", id, contact, Self.phone(n), Self.day)
            }
        }
    }

    @Test("hours come from reads and replies of real campaigns; the plan is stored once; timed messages wait for their time",
          arguments: TestDatabaseKind.allCases)
    func plan(_ kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign("old", phones: [1, 2, 3, 4], rehearsal: false, in: database)
        try await campaign("practice", phones: [3], rehearsal: true, in: database)
        for n in 1...4 {
            try await database.markSending("old-\(n)", session: "utama")
            try await database.markSent("old-\(n)", at: Self.day)
        }
        // 1 read at 14:10 and 14:50 Jakarta time (two campaigns' worth) and replied once at 10:05; 2 replied twice at 09:xx.
        try await database.markRead("old-1", at: Self.day.addingTimeInterval(7 * 3600 + 600))
        try await database.write { db in
            try db.execute("UPDATE messages SET readAt = ? WHERE id = 'practice-3'", Self.day.addingTimeInterval(3600))
        }
        try await database.recordReply(phone: Self.phone(1), session: "utama", messageId: "r1", text: "Ya", at: Self.day.addingTimeInterval(3 * 3600 + 300), isOptOut: false)
        try await database.recordReply(phone: Self.phone(2), session: "utama", messageId: "r2", text: "Ok", at: Self.day.addingTimeInterval(2 * 3600 + 60), isOptOut: false)
        try await database.recordReply(phone: Self.phone(2), session: "utama", messageId: "r3", text: "Siap", at: Self.day.addingTimeInterval(86_400 + 2 * 3600 + 1800), isOptOut: false)
        // 4 only opted out: no history. 3 read only in a rehearsal: no history.
        try await database.recordReply(phone: Self.phone(4), session: "utama", messageId: "r4", text: "STOP", at: Self.day.addingTimeInterval(3600), isOptOut: true)
        try await database.markRead("old-1", at: Self.day.addingTimeInterval(7 * 3600 + 600))
        try await database.write { db in
            try db.execute("INSERT INTO replies (phone, session, messageId, campaignId, text, receivedAt, isOptOut) VALUES (?, 'utama', 'r5', NULL, 'Halo', ?, ?)",
                           Self.phone(1), Self.day.addingTimeInterval(7 * 3600 + 3000), false)
        }

        try await campaign("new", phones: [1, 2, 3, 4, 5], rehearsal: false, in: database)
        let hours = try await database.readReplyHours(of: "new", utcOffset: 7 * 3600)
        #expect(hours == [Self.phone(1): [14: 2, 10: 1], Self.phone(2): [9: 2]])

        let nine = Self.day.addingTimeInterval(2 * 3600), two = Self.day.addingTimeInterval(7 * 3600)
        #expect(try await database.planSendTimes(of: "new", times: [Self.phone(1): (14, two), Self.phone(2): (9, nine)]) == 2)
        // Planned once: a second plan (a restart) changes nothing.
        #expect(try await database.planSendTimes(of: "new", times: [Self.phone(1): (10, nine)]) == 0)
        #expect(try await database.readReplyHours(of: "new", utcOffset: 7 * 3600).isEmpty)
        let stored = try await database.read { db in
            try db.query("SELECT id, sendHour FROM messages WHERE campaignId = 'new' ORDER BY id").map { try ($0.string(at: 0), $0.optionalInt(at: 1)) }
        }
        #expect(stored.map(\.1) == [14, 9, -1, -1, -1])

        // Before nine only the untimed messages are given out; the next time is nine.
        var position = SendQueuePosition()
        let early = try await database.nextMessages(of: "new", now: nine.addingTimeInterval(-60), limit: 10, position: &position)
        #expect(early.map(\.id) == ["new-3", "new-4", "new-5"])
        #expect(try await database.nextSendTime(of: "new") == nine)
        for message in early {
            try await database.markSending(message.id, session: "utama")
            try await database.markSent(message.id, at: nine.addingTimeInterval(-60))
        }
        // At nine contact 2's message is due, first; at two o'clock contact 1's.
        #expect(try await database.nextMessages(of: "new", now: nine, limit: 10, position: &position).map(\.id) == ["new-2"])
        #expect(try await database.nextMessages(of: "new", now: two, limit: 10, position: &position).map(\.id) == ["new-2", "new-1"])

        // The reports compare the two groups once both went out.
        for (id, at) in [("new-2", nine), ("new-1", two)] {
            try await database.markSending(id, session: "utama")
            try await database.markSent(id, at: at)
            try await database.markRead(id, at: at.addingTimeInterval(60))
        }
        try await database.markRead("new-3", at: two)
        let comparison = try #require(try await database.snapshot { try $0.sendTimeComparison(of: "new") })
        #expect(comparison.bestHour == SendTimeComparison.Group(messages: 2, sent: 2, read: 2, replied: 0))
        #expect(comparison.campaignOrder == SendTimeComparison.Group(messages: 3, sent: 3, read: 1, replied: 0))
        #expect(comparison.comparable)
        #expect(try await database.snapshot { try $0.sendTimeComparison(of: "old") } == nil)
    }
}
