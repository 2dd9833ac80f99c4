import Foundation
import SiaranTestSupport
import Store
import Testing

@Suite("Forgetting a number and erasing old texts (UU PDP)")
struct PrivacyTests {
    @Test("forget erases one number everywhere, keeps every count and keeps an opted-out number suppressed", arguments: TestDatabaseKind.allCases)
    func forgetOptedOut(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await StoreFixture.fill(database)
        let phone = StoreFixture.phone(2)
        let counts = try await database.messageCounts(of: ["done-1", "live-1"])
        let report = try await database.forgetContact(phone: phone, spellings: [phone, "0812" + "00000002"], actor: "test")
        #expect(report.wasOptedOut && report.listEntries == 1 && report.messages == 1 && report.replies == 1 && report.campaigns == ["done-1"])
        #expect(report.cancelledMessages == 0)
        // Tallies are untouched: the rows stay under a pseudonym.
        #expect(try await database.messageCounts(of: ["done-1", "live-1"]) == counts)

        let left = try await database.personalData(phone: phone)
        #expect(left.lists.isEmpty && left.messages.isEmpty && left.replies.isEmpty && left.optOut == nil)
        let pseudonymous = try await database.personalData(phone: report.pseudonym)
        #expect(pseudonymous.messages.map(\.text) == [""] && pseudonymous.replies.map(\.text) == [nil])
        #expect(pseudonymous.lists.map(\.variables) == [nil])

        let suppressed = try await database.suppressedNumbers()
        #expect(!suppressed.phones.contains(phone) && suppressed.contains(phone), "kept only as a salted hash, still refused")
        #expect(!suppressed.contains(StoreFixture.phone(3)))
        let events = try await database.events(after: 0, limit: 1_000)
        #expect(!events.contains { String(decoding: $0.payload, as: UTF8.self).contains(phone) })
        let audit = try await database.auditEntries(limit: 50)
        #expect(audit.contains { $0.action == "contact.forget" && $0.target == report.pseudonym })
        #expect(!audit.contains { ($0.target ?? "").contains(phone) || ($0.detail ?? "").contains(phone) })
        #expect(try await database.campaignsWithStaleReports().map(\.id) == ["done-1"])

        // Writing in again later does not let staff answer a number that had opted out.
        try await database.recordReply(phone: phone, session: "utama", messageId: "in-2", text: "halo", at: Date(), isOptOut: false)
        let refusal = try await database.beginAnswer(NewAnswer(id: "a-1", phone: phone, session: "utama", text: "Halo!", author: "staff"))
        #expect(refusal == .optedOut)
    }

    @Test("forgetting a number with messages still queued cancels them, and the counts move with them", arguments: TestDatabaseKind.allCases)
    func forgetQueued(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await StoreFixture.fill(database)
        let before = try await database.messageCounts(of: "live-1")
        let report = try await database.forgetContact(phone: StoreFixture.phone(25), spellings: [], actor: "test")
        #expect(!report.wasOptedOut && report.cancelledMessages == 1)
        let after = try await database.messageCounts(of: "live-1")
        #expect(after.total == before.total && after.pending == before.pending - 1 && after.failed == before.failed + 1)
        #expect(!(try await database.suppressedNumbers().contains(StoreFixture.phone(25))))
    }

    @Test("texts older than the cutoff are erased; states, counts and unsent texts stay", arguments: TestDatabaseKind.allCases)
    func eraseOldTexts(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await StoreFixture.fill(database)
        let counts = try await database.messageCounts(of: ["done-1", "live-1"])
        // The fixture's messages were queued in 2025; nothing is older than that.
        #expect(try await database.eraseMessageTexts(before: Date(timeIntervalSince1970: 1_764_000_000)) == (0, 0, 0))
        let erased = try await database.eraseMessageTexts(before: Date(timeIntervalSince1970: 1_764_560_000))
        #expect(erased.messages == 15 + 6 && erased.replies == 1)
        #expect(try await database.messageCounts(of: ["done-1", "live-1"]) == counts)
        let sent = try await database.personalData(phone: StoreFixture.phone(1))
        #expect(sent.messages.map(\.text) == [""] && sent.messages.first?.state == "read")
        let queued = try await database.personalData(phone: StoreFixture.phone(25))
        #expect(queued.messages.map(\.text) == ["Halo Pelanggan 10 🎉"], "a message not sent yet keeps its text")
        #expect(try await database.personalData(phone: StoreFixture.phone(2)).replies.map(\.text) == [nil])
    }
}
