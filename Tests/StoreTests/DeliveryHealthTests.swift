import Foundation
import SiaranTestSupport
import Store
import Testing

/// Messages stuck at "sent" (acknowledged by the server, no delivery receipt): per session for
/// the delivery alert, per campaign for the reports, on both backends.
@Suite("Delivery health: messages stuck at sent")
struct DeliveryHealthTests {
    static let sentAt = Date(timeIntervalSince1970: 1_764_550_000)

    /// A campaign of `count` messages sent through `session` at `sentAt`, the first `delivered` of them delivered.
    static func campaign(_ id: String, session: String, count: Int, delivered: Int, rehearsal: Bool = false, done: Bool = true,
                         in database: SiaranDatabase) async throws {
        let drop = DropRecord(id: "d-\(id)", name: id, contentHash: "h-\(id)", receivedAt: sentAt, outcome: "accepted", campaignId: id)
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: id, name: id, dropId: drop.id, createdAt: sentAt, spoolPath: "/tmp/\(id)", options: "{}"))
        try await database.setRehearsal(rehearsal, campaign: id)
        try await database.recordContacts(campaign: id, accepted: (0..<count).map {
            NewContact(phone: "62812\(id.count)\(String(format: "%06d", $0))", line: $0 + 1, variablesJSON: "{\"nama\":\"Ibu \($0)\"}")
        }, rejected: [], summary: "")
        let contacts = try await database.contacts(of: id)
        try await database.recordRenderedMessages(campaign: id, messages: contacts.map {
            NewMessage(id: "\(id)-\($0.phone)", contactId: $0.id, phone: $0.phone, variant: nil, text: "Halo")
        }, queuedAt: sentAt)
        try await database.setState(.sending, of: id)
        for (index, contact) in contacts.enumerated() {
            let message = "\(id)-\(contact.phone)"
            try await database.markSending(message, session: session)
            try await database.markSent(message, at: sentAt.addingTimeInterval(Double(index)))
            if index < delivered { try await database.markDelivered(message, at: sentAt.addingTimeInterval(60)) }
        }
        if done { try await database.setState(.done, of: id) }
    }

    @Test("acknowledged and stuck per session, rehearsals left out; a campaign's stuck list; reports marked stale", arguments: TestDatabaseKind.allCases)
    func health(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await Self.campaign("real", session: "utama", count: 30, delivered: 5, in: database)
        try await Self.campaign("other", session: "cadangan", count: 30, delivered: 27, done: false, in: database)
        try await Self.campaign("rehearsal", session: "utama", count: 30, delivered: 0, rehearsal: true, in: database)

        let health = try await database.deliveryHealth(sentFrom: Self.sentAt.addingTimeInterval(-3600), sentBefore: Self.sentAt.addingTimeInterval(3600))
        #expect(health == [SessionDeliveryHealth(session: "cadangan", acknowledged: 30, stuck: 3), SessionDeliveryHealth(session: "utama", acknowledged: 30, stuck: 25)])
        // The period's end is not included; messages sent after it are not counted.
        #expect(try await database.deliveryHealth(sentFrom: Self.sentAt.addingTimeInterval(-3600), sentBefore: Self.sentAt) == [])
        let firstTen = try await database.deliveryHealth(sentFrom: Self.sentAt, sentBefore: Self.sentAt.addingTimeInterval(10))
        #expect(firstTen.first { $0.session == "utama" } == SessionDeliveryHealth(session: "utama", acknowledged: 10, stuck: 5))

        let (count, rows, firstThree) = try await database.snapshot { snapshot in
            var rows: [StuckMessageRow] = []
            try snapshot.forEachStuckAtSent(of: "real", sentBefore: Self.sentAt.addingTimeInterval(3600)) { rows.append($0) }
            var firstThree: [StuckMessageRow] = []
            try snapshot.forEachStuckAtSent(of: "real", sentBefore: Self.sentAt.addingTimeInterval(3600), limit: 3) { firstThree.append($0) }
            return (try snapshot.stuckAtSentCount(of: "real", sentBefore: Self.sentAt.addingTimeInterval(3600)), rows, firstThree)
        }
        #expect(count == 25 && rows.count == 25)
        #expect(firstThree.map(\.phone) == ["6281240000" + "05", "6281240000" + "06", "6281240000" + "07"])
        #expect(rows.first == StuckMessageRow(phone: "628124000005", name: "Ibu 5", messageID: "real-628124000005", session: "utama",
                                              sentAt: Self.sentAt.addingTimeInterval(5)))
        // Only messages older than the edge count.
        #expect(try await database.snapshot { try $0.stuckAtSentCount(of: "real", sentBefore: Self.sentAt.addingTimeInterval(10)) } == 5)

        // Finished campaigns with messages that just passed the edge get their reports rewritten; open ones and ranges without any do not.
        #expect(try await database.markReportsStaleForStuckMessages(sentFrom: Self.sentAt.addingTimeInterval(-3600), sentBefore: Self.sentAt, at: Self.sentAt) == 0)
        let now = Self.sentAt.addingTimeInterval(86_400)
        #expect(try await database.markReportsStaleForStuckMessages(sentFrom: Self.sentAt, sentBefore: Self.sentAt.addingTimeInterval(3600), at: now) == 2)
        #expect(try await database.campaignsWithStaleReports().map(\.id).sorted() == ["real", "rehearsal"])
    }
}
