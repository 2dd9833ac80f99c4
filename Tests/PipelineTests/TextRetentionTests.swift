import Contacts
import Foundation
import Logging
import Pipeline
import SiaranTestSupport
import Store
import Testing

@Suite("Privacy: old texts erased nightly, forgotten numbers stay suppressed")
struct TextRetentionTests {
    static let queuedAt = Date(timeIntervalSince1970: 1_764_550_000)
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// One campaign whose two messages were queued and sent at `queuedAt`.
    static func database(_ kind: TestDatabaseKind) async throws -> TestDatabase {
        let test = try await TestDatabase.make(kind)
        let database = test.database
        let drop = DropRecord(id: "d", name: "c", contentHash: "h", receivedAt: queuedAt, outcome: "accepted", campaignId: "c")
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: "c", name: "c", dropId: "d", createdAt: queuedAt, spoolPath: "/tmp/c", options: "{}"))
        try await database.recordContacts(campaign: "c", accepted: [NewContact(phone: "6281200000001", line: 1, variablesJSON: nil),
                                                                    NewContact(phone: "6281200000002", line: 2, variablesJSON: nil)],
                                          rejected: [], summary: "")
        let contacts = try await database.contacts(of: "c")
        try await database.recordRenderedMessages(campaign: "c", messages: contacts.map {
            NewMessage(id: "m-\($0.phone)", contactId: $0.id, phone: $0.phone, variant: nil, text: "Halo \($0.phone)")
        }, queuedAt: queuedAt)
        for contact in contacts {
            try await database.markSending("m-\(contact.phone)", session: "utama")
            try await database.markSent("m-\(contact.phone)", at: queuedAt)
        }
        return test
    }

    @Test("the nightly run erases texts only once they are older than keep_message_texts_days", arguments: TestDatabaseKind.allCases)
    func nightly(kind: TestDatabaseKind) async throws {
        let test = try await Self.database(kind)
        defer { test.remove() }
        let jakarta = TimeZone(identifier: "Asia/Jakarta")!
        // Day 29: nothing is old enough.
        let clock = ManualClock(Self.queuedAt.addingTimeInterval(29 * 86_400))
        let service = TextRetentionService(database: test.database, keepDays: 30, clock: clock, timeZone: jakarta, logger: Self.logger)
        #expect(try await service.runOnce(now: clock.now()) == (0, 0, 0))
        #expect(try await test.database.personalData(phone: "6281200000001").messages.map(\.text) == ["Halo 6281200000001"])
        // The service sleeps to each night's 02:00 on the manual clock; by day 31 the texts are gone.
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let erased = await eventually(timeout: .seconds(60)) {
            (try? await test.database.personalData(phone: "6281200000001").messages.map(\.text)) == [""]
        }
        #expect(erased)
        #expect(clock.now() > Self.queuedAt.addingTimeInterval(30 * 86_400), "not erased before its time")
        #expect(try await test.database.messageCounts(of: "c").sent == 2)
    }

    @Test("a forgotten number that had opted out is refused when a new list is screened", arguments: TestDatabaseKind.allCases)
    func forgottenStaySuppressed(kind: TestDatabaseKind) async throws {
        let test = try await Self.database(kind)
        defer { test.remove() }
        try await test.database.addOptOut(phone: "6281200000001", source: "reply", detail: "STOP")
        _ = try await test.database.forgetContact(phone: "6281200000001", spellings: [], actor: "test")
        let list = try await CampaignInputs.optOutList(file: "/nonexistent/optout.txt", contacts: ContactsConfiguration(), database: test.database)
        #expect(list.contains(PhoneNumber(digits: "6281200000001")!))
        #expect(!list.contains(PhoneNumber(digits: "6281200000002")!))
    }
}
