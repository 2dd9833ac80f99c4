import Foundation
import Logging
import Pipeline
import SiaranTestSupport
@testable import Store
import Synchronization
import Testing
import Transport

/// Records each send at the time of any pipeline clock.
final class ClockRecordingTransport: MessageTransport, Sendable {
    let clock: any PipelineClock
    let sends = Mutex<[(id: String, phone: String, at: Date)]>([])
    let events = AsyncStream<TransportEvent> { _ in }

    init(clock: any PipelineClock) { self.clock = clock }

    func send(_ message: OutgoingMessage) async -> SendResult {
        let now = clock.now()
        sends.withLock { $0.append((message.id, message.phone, now)) }
        return .sent(at: now)
    }
}

/// `send_time: best` through the real runner on a manual clock: contacts with history wait for
/// their hour inside the window, the others go in the list's order, a restart keeps the plan and
/// sends nothing twice, and the report compares the two groups.
@Suite("Send time: each contact at their best hour")
struct SendTimeTests {
    static func phone(_ n: Int) -> String { "62813\(String(format: "%08d", n))" }

    /// A finished real campaign in which contact 0 read at 10:15, contact 1 replied at 14:20 and
    /// contact 2 read at 22:10 (Jakarta time), a week before the new campaign.
    static func history(_ database: SiaranDatabase) async throws {
        let day = PacingTests.date("2026-11-18 08:00")
        let drop = DropRecord(id: "d-old", name: "old", contentHash: "h-old", receivedAt: day, outcome: "accepted", campaignId: "old")
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: "old", name: "old", dropId: "d-old", createdAt: day, spoolPath: "/tmp/old", options: "{}"))
        try await database.recordContacts(campaign: "old", accepted: (0..<3).map { NewContact(phone: phone($0), line: $0 + 1, variablesJSON: nil) },
                                          rejected: [], summary: "")
        let contacts = try await database.contacts(of: "old")
        try await database.recordRenderedMessages(campaign: "old", messages: contacts.map {
            NewMessage(id: "old-\($0.phone)", contactId: $0.id, phone: $0.phone, variant: nil, text: "Halo")
        }, queuedAt: day)
        for contact in contacts {
            try await database.markSending("old-\(contact.phone)", session: "utama")
            try await database.markSent("old-\(contact.phone)", at: day)
        }
        try await database.markRead("old-\(phone(0))", at: PacingTests.date("2026-11-18 10:15"))
        _ = try await database.recordReply(phone: phone(1), session: "utama", messageId: "in-1", text: "Mau", at: PacingTests.date("2026-11-18 14:20"), isOptOut: false)
        try await database.markRead("old-\(phone(2))", at: PacingTests.date("2026-11-18 22:10"))
        try await database.setState(.done, of: "old")
    }

    @Test("send_time in campaign.yaml: best or order; anything else is refused with its line in both languages")
    func option() throws {
        #expect(try CampaignOptions.parse("send_time: best\n", defaultTimeZone: "Asia/Jakarta").bestSendTime == true)
        #expect(try CampaignOptions.parse("send_time: order\n", defaultTimeZone: "Asia/Jakarta").bestSendTime == nil)
        var options = CampaignOptions()
        options.bestSendTime = true
        #expect(options.yaml(timeZone: TimeZone(identifier: "Asia/Jakarta")!).contains("send_time: best\n"))
        do {
            _ = try CampaignOptions.parse("name: x\nsend_time: soon\n", defaultTimeZone: "Asia/Jakarta")
            Issue.record("send_time: soon was taken")
        } catch {
            #expect(error.line == 2 && error.message.contains("'send_time' must be best") && error.indonesian.contains("harus best"))
        }
    }

    @Test("history decides the hour, within the window; a restart while waiting keeps the plan; the report compares", arguments: TestDatabaseKind.allCases)
    func bestHour(kind: TestDatabaseKind) async throws {
        var harness = try await PipelineHarness(kind)
        harness.configuration.sending.window = SendingWindow(parsing: "08:00-20:00")!
        try await Self.history(harness.database)
        try harness.drop("c/numbers.txt", (0..<6).map(Self.phone).joined(separator: "\n"))
        try harness.drop("c/message.txt", "Halo")
        try harness.drop("c/campaign.yaml", "send_time: best\n")
        try harness.backdate(harness.path("inbox/c"), by: 5)
        let campaign = try #require(try await harness.takeDrops(except: ["old"]).first)

        // The first run starts at 09:00 and is stopped at 09:30 while it waits.
        let firstClock = LimitedClock(PacingTests.date("2026-11-25 09:00"), limit: PacingTests.date("2026-11-25 09:30"))
        let first = ClockRecordingTransport(clock: firstClock)
        var context = harness.context
        context.clock = firstClock
        context.transport = first
        let run = Task { [context] in try await CampaignRunner(context: context).run(campaign.id) }
        #expect(await eventually(timeout: .seconds(300)) { firstClock.waiting })
        run.cancel()
        _ = try await run.value
        let early = first.sends.withLock { $0 }
        #expect(Set(early.map(\.phone)) == Set([3, 4, 5].map(Self.phone)), "no history: the list's order at once")
        let plan = try await harness.database.read { db in
            try db.query("SELECT phone, sendHour, notBefore FROM messages WHERE campaignId = ? ORDER BY phone", campaign.id)
                .map { (try $0.string(at: 0), $0.optionalInt(at: 1), $0.optionalDate(at: 2)) }
        }
        #expect(plan.map(\.1) == [10, 14, 19, -1, -1, -1], "22:10 is outside the window: its nearest hour, 19")

        // The daemon starts again at 09:30; each timed contact goes at their hour, nobody twice.
        let clock = ManualClock(PacingTests.date("2026-11-25 09:30"))
        let second = ClockRecordingTransport(clock: clock)
        context.clock = clock
        context.transport = second
        #expect(try await CampaignRunner(context: context).run(campaign.id) == .finished(.done))
        let late = second.sends.withLock { $0 }
        #expect(late.map(\.phone) == [0, 1, 2].map(Self.phone))
        #expect(late.map(\.at) == ["2026-11-25 10:00", "2026-11-25 14:00", "2026-11-25 19:00"].map(PacingTests.date))
        #expect(Set((early + late).map(\.id)).count == 6)
        let after = try await harness.database.read { db in
            try db.query("SELECT phone, sendHour, notBefore FROM messages WHERE campaignId = ? ORDER BY phone", campaign.id)
                .map { (try $0.string(at: 0), $0.optionalInt(at: 1), $0.optionalDate(at: 2)) }
        }
        #expect(after.map(\.2) == plan.map(\.2), "the plan is not made again")

        // The plan in preview.txt said who waits for their hour.
        let preview = try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/preview.txt"), encoding: .utf8)
        #expect(preview.contains("Send time: best. 3 contacts") || preview.contains("Waktu kirim: terbaik. 3 kontak"), "\(preview)")

        // summary.json compares the two groups.
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.path("outbox/\(campaign.folderName)/summary.json")))) as? [String: Any])
        let sendTime = try #require(summary["send_time"] as? [String: Any])
        #expect((sendTime["best_hour"] as? [String: Any])?["sent"] as? Int == 3)
        #expect((sendTime["campaign_order"] as? [String: Any])?["sent"] as? Int == 3)
        #expect(sendTime["comparable"] as? Bool == true)
    }
}
