import Foundation
@testable import Pipeline
import Store
import Testing

/// The queue a campaign's lanes take their messages from: a message handed out to one lane is not
/// offered to another until that lane is done with it, though its row still reads `pending` (the
/// lane has not claimed it yet) whenever the queue reads the database again.
@Suite("A campaign's queue hands each message to one lane at a time")
struct CampaignQueueTests {
    static let start = PacingTests.date("2026-11-25 09:00")

    /// Campaign `q` with messages q-1 … q-`count`, `pending`, in contact order.
    func campaign(_ count: Int, in database: SiaranDatabase) async throws {
        let drop = DropRecord(id: "drop-q", name: "q", contentHash: "hash-q", outcome: "accepted", campaignId: "q")
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: "q", name: "Promo", dropId: drop.id, spoolPath: "/tmp/q", options: "{}"))
        try await database.recordContacts(campaign: "q", accepted: (1...count).map {
            NewContact(phone: "62812\(String(format: "%08d", $0))", line: $0, variablesJSON: nil)
        }, rejected: [], summary: "accepted=\(count)")
        let contacts = try await database.contacts(of: "q")
        try await database.recordRenderedMessages(campaign: "q", messages: contacts.enumerated().map { index, contact in
            NewMessage(id: "q-\(index + 1)", contactId: contact.id, phone: contact.phone, variant: nil, text: "Halo")
        }, queuedAt: Self.start)
    }

    func offered(_ next: CampaignQueue.Next) -> [String]? {
        if case .messages(let messages) = next { messages.map(\.id) } else { nil }
    }

    @Test("a message handed out is not offered to another lane when the queue reads the database again; given back, it is")
    func handedOutOnce() async throws {
        let harness = try PipelineHarness()
        try await campaign(6, in: harness.database)
        let queue = CampaignQueue(database: harness.database, campaign: "q", clock: ManualClock(Self.start), bestSendTime: false, batchSize: 4)

        #expect(offered(try await queue.next()) == ["q-1", "q-2", "q-3", "q-4"])
        // Lanes a and b take two each; neither has claimed them in the database yet.
        #expect(await queue.reserve(["q-1", "q-2"]) == ["q-1", "q-2"])
        #expect(await queue.reserve(["q-3", "q-4"]) == ["q-3", "q-4"])

        // Lane c finds the queue empty: the read returns the rest and, its range running short,
        // the four handed out (still `pending`). Only the rest is c's to take.
        #expect(offered(try await queue.next()) == ["q-5", "q-6"])
        #expect(await queue.reserve(["q-5", "q-6"]) == ["q-5", "q-6"])
        // Everything is handed out: the next lane waits for its siblings instead of taking theirs.
        let next = try await queue.next()
        guard case .wait = next else {
            Issue.record("offered while every message is handed out: \(offered(next) ?? [])")
            return
        }

        // Lane a was paused before it claimed q-1 and gives it back: now it is another lane's.
        await queue.handBack(["q-1"], released: true)
        #expect(offered(try await queue.next()) == ["q-1"])
    }
}
