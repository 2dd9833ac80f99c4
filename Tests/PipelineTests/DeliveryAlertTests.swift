import Foundation
import Pipeline
import SiaranTestSupport
import Store
import Synchronization
import Testing

/// A manual clock that never passes `limit`: a sleep past it waits until the test raises the
/// limit, so a service on this clock is seen between two checks.
final class LimitedClock: PipelineClock, Sendable {
    private let state: Mutex<(now: Date, limit: Date, waiting: Bool)>
    init(_ start: Date, limit: Date) { state = Mutex((start, limit, false)) }
    func now() -> Date { state.withLock { $0.now } }
    /// True while a sleep waits at the limit: every check up to the limit is done.
    var waiting: Bool { state.withLock { $0.waiting } }
    func raise(limit: Date) { state.withLock { $0.limit = limit; $0.waiting = false } }
    func sleep(seconds: Double) async throws {
        let target = now().addingTimeInterval(max(seconds, 0.001))
        while true {
            try Task.checkCancellation()
            let moved = state.withLock { s -> Bool in
                guard target <= s.limit else { s.waiting = true; return false }
                s.now = target
                return true
            }
            if moved { await Task.yield(); return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

@Suite("Delivery alert: messages stuck at sent")
struct DeliveryAlertTests {
    static let sentAt = Date(timeIntervalSince1970: 1_764_550_000)

    @Test("the threshold: at least 20 stuck and at least 30% of the acknowledged")
    func threshold() {
        let from = Self.sentAt, until = Self.sentAt.addingTimeInterval(3600)
        let alerts = DeliveryAlert.alerts([
            SessionDeliveryHealth(session: "a", acknowledged: 19, stuck: 19),
            SessionDeliveryHealth(session: "b", acknowledged: 66, stuck: 20),
            SessionDeliveryHealth(session: "c", acknowledged: 67, stuck: 20),
            SessionDeliveryHealth(session: "d", acknowledged: 1000, stuck: 400),
        ], hours: 24, from: from, until: until)
        #expect(alerts.map(\.session) == ["b", "d"])
        let text = alerts[0].english { _ in "T" }
        #expect(text.hasPrefix("Delivery alert: 20 of the 66 messages (30%) WhatsApp's server took from session b between T and T"))
        #expect(alerts[0].indonesian { _ in "T" }.hasPrefix("Peringatan pengiriman: 20 dari 66 pesan (30%)"))
    }

    /// A finished campaign of `count` messages sent through `session` at `sentAt`, the first `delivered` delivered.
    static func campaign(_ id: String, session: String, count: Int, delivered: Int, in database: SiaranDatabase) async throws {
        let drop = DropRecord(id: "d-\(id)", name: id, contentHash: "h-\(id)", receivedAt: sentAt, outcome: "accepted", campaignId: id)
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: id, name: id, dropId: drop.id, createdAt: sentAt, spoolPath: "/tmp/\(id)", options: "{}"))
        try await database.recordContacts(campaign: id, accepted: (0..<count).map {
            NewContact(phone: "62813\(id.count)\(String(format: "%06d", $0))", line: $0 + 1, variablesJSON: nil)
        }, rejected: [], summary: "")
        let contacts = try await database.contacts(of: id)
        try await database.recordRenderedMessages(campaign: id, messages: contacts.map {
            NewMessage(id: "\(id)-\($0.phone)", contactId: $0.id, phone: $0.phone, variant: nil, text: "Halo")
        }, queuedAt: sentAt)
        try await database.setState(.sending, of: id)
        for (index, contact) in contacts.enumerated() {
            try await database.markSending("\(id)-\(contact.phone)", session: session)
            try await database.markSent("\(id)-\(contact.phone)", at: sentAt)
            if index < delivered { try await database.markDelivered("\(id)-\(contact.phone)", at: sentAt.addingTimeInterval(30)) }
        }
        try await database.setState(.done, of: id)
    }

    @Test("the daemon's check alerts a session in its notice once messages pass the alert age, keeps the session's own words, and clears",
          arguments: TestDatabaseKind.allCases)
    func service(kind: TestDatabaseKind) async throws {
        let harness = try await PipelineHarness(kind)
        let database = harness.database
        // utama: 30 of 40 never delivered (a restricted number); cadangan: 1 of 40 (a phone switched off).
        try await Self.campaign("promo", session: "utama", count: 40, delivered: 10, in: database)
        try await Self.campaign("lain", session: "cadangan", count: 40, delivered: 39, in: database)
        let notice = harness.path("outbox/sessions/utama/NOTICE.txt")
        try FileManager.default.createDirectory(atPath: harness.path("outbox/sessions/utama"), withIntermediateDirectories: true)
        let own = "2025-12-01T09:00:00+07:00 WhatsApp restricted session utama from messaging new contacts (463)\n"
        try own.write(toFile: notice, atomically: true, encoding: .utf8)

        let clock = LimitedClock(Self.sentAt, limit: Self.sentAt.addingTimeInterval(23 * 3600))
        var context = harness.context
        context.clock = clock
        let task = Task { try await DeliveryAlertService(context: context, interval: 600).run() }
        defer { task.cancel() }
        // Every check up to 23 hours after the sends: nothing is stuck yet.
        #expect(await eventually(timeout: .seconds(240)) { clock.waiting }, "138 checks of 10 minutes each, on a loaded machine")
        #expect(try String(contentsOfFile: notice, encoding: .utf8) == own)
        #expect(try await database.campaignsWithStaleReports().isEmpty)

        // Past 24 hours: the alert joins the session's notice, in both languages, and the campaign's reports are due again.
        clock.raise(limit: Self.sentAt.addingTimeInterval(26 * 3600))
        #expect(await eventually { ((try? String(contentsOfFile: notice, encoding: .utf8)) ?? "").contains("Peringatan pengiriman: 30 dari 40 pesan (75%)") })
        let text = try String(contentsOfFile: notice, encoding: .utf8)
        #expect(text.hasPrefix(own))
        #expect(text.contains("Delivery alert: 30 of the 40 messages (75%) WhatsApp's server took from session utama"))
        #expect(!FileManager.default.fileExists(atPath: harness.path("outbox/sessions/cadangan/NOTICE.txt")))
        // The service writes the notice first and marks the reports after it: waited for, not read at once.
        #expect(await eventually { (try? await database.campaignsWithStaleReports().map(\.id).sorted()) == ["lain", "promo"] })

        // Receipts arrive after all: under the threshold the alert lines go, the session's own line stays.
        #expect(await eventually(timeout: .seconds(240)) { clock.waiting }, "138 checks of 10 minutes each, on a loaded machine")
        for index in 10..<35 { try await database.markDelivered("promo-628135\(String(format: "%06d", index))", at: clock.now()) }
        clock.raise(limit: Self.sentAt.addingTimeInterval(27 * 3600))
        #expect(await eventually { (try? String(contentsOfFile: notice, encoding: .utf8)) == own })
    }
}
