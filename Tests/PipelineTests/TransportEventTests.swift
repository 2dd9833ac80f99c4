import Foundation
import Logging
import Pipeline
@testable import Store
import Testing
import Transport

@Suite("Receipts, replies and opt-outs")
struct TransportEventTests {
    @Test("receipts move messages to delivered and read; a STOP reply opts the number out at once")
    func events() async throws {
        let harness = try PipelineHarness()
        try harness.drop("c/numbers.txt", "6281234567890\n6281311223344\n")
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let lines = try harness.dryRunLines(campaign)
        let first = try #require(lines.first?["id"] as? String)
        let (stream, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
        let recorder = TransportEventRecorder(events: stream, database: harness.database, optOutWords: ["STOP", "BERHENTI"],
                                              optOutFile: harness.path("state/optout.txt"), logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await recorder.run() }
        continuation.yield(.delivered(messageId: first, at: Date()))
        continuation.yield(.read(messageId: first, at: Date()))
        continuation.yield(.reply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Berapa harganya?", at: Date()))
        continuation.yield(.reply(phone: "6281311223344", session: "utama", messageId: "IN2", text: " berhenti! ", at: Date()))
        continuation.finish()
        try await task.value
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.read == 1)
        #expect(counts.replied == 2)
        #expect(try await harness.database.optedOutPhones() == ["6281311223344"])
        #expect(try String(contentsOfFile: harness.path("state/optout.txt"), encoding: .utf8) == "6281311223344\n")
        // The next campaign to that number refuses it as opted-out.
        try harness.drop("d/numbers.txt", "6281311223344\n6281299990000\n")
        try harness.drop("d/message.txt", "Promo lagi")
        _ = try await harness.runOnce()
        let second = try #require(try await harness.campaigns().first { $0.id != campaign.id })
        #expect(try harness.dryRunLines(second).map { $0["to"] as? String } == ["6281299990000"])
    }
}

@Suite("Receipts that arrive before the send is recorded")
struct EarlyReceiptTests {
    @Test("a message delivered and replied to before its send time is written keeps the receipt, the reply and gets its send time")
    func earlyReceipt() async throws {
        let harness = try PipelineHarness()
        try harness.drop("c/numbers.txt", "6281234567890\n")
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let id = try #require(try harness.dryRunLines(campaign).first?["id"] as? String)
        // Replay the race: the message is back in `sending` (the sender records sentAt with the
        // next message), then the receipt and a reply arrive, then the send is recorded.
        try await harness.database.write { db in try db.execute("UPDATE messages SET state = 'sending', sentAt = NULL WHERE id = ?", id) }
        try await harness.database.markDelivered(id, at: Date())
        let campaignOfReply = try await harness.database.recordReply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Berapa?",
                                                                     at: Date(), isOptOut: false)
        #expect(campaignOfReply == campaign.id)
        let sentAt = Date()
        try await harness.database.markSent(id, at: sentAt)
        let row = try await harness.database.read { db -> (String?, Bool, Bool) in
            let row = try db.queryOne("SELECT state, sentAt, repliedAt FROM messages WHERE id = ?", id)
            return (row?.optionalString("state"), row?.optionalDate("sentAt") != nil, row?.optionalDate("repliedAt") != nil)
        }
        #expect(row.0 == "delivered")
        #expect(row.1, "the send time is recorded although the receipt came first")
        #expect(row.2, "the reply is linked to the message")
    }
}

@Suite("Reports catch up with receipts that arrive after the end")
struct LateReceiptReportTests {
    @Test("a receipt and a reply after the end mark the reports stale; one refresh rewrites them with the new states")
    func refresh() async throws {
        let harness = try PipelineHarness()
        try harness.drop("c/numbers.txt", "6281234567890\n6281311223344\n")
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        let summaryBefore = try String(contentsOfFile: "\(outbox)/summary.json", encoding: .utf8)
        let runner = CampaignRunner(context: harness.context)
        #expect(try await runner.refreshStaleReports() == 0, "nothing came after the end yet")

        let id = try #require(try harness.dryRunLines(campaign).first?["id"] as? String)
        let (stream, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
        let recorder = TransportEventRecorder(events: stream, database: harness.database, optOutWords: ["STOP"], optOutFile: nil,
                                              logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        continuation.yield(.read(messageId: id, at: Date()))
        continuation.yield(.reply(phone: "6281311223344", session: "utama", messageId: "IN1", text: "Masih ada?", at: Date()))
        continuation.finish()
        try await recorder.run()
        #expect(try await harness.database.campaignsWithStaleReports().map(\.id) == [campaign.id])

        #expect(try await runner.refreshStaleReports() == 1)
        #expect(try await harness.database.campaignsWithStaleReports().isEmpty)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(outbox)/summary.json"))) as? [String: Any])
        #expect(summaryBefore != (try String(contentsOfFile: "\(outbox)/summary.json", encoding: .utf8)))
        let rows = try String(contentsOfFile: "\(outbox)/report.csv", encoding: .utf8)
            .split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first { $0[6] == id }?[3] == "read", "report.csv should show the read receipt: \(rows)")
        #expect(rows.first { $0[0] == "6281311223344" }?.last?.isEmpty == false, "report.csv should show the reply time: \(rows)")
        #expect("\(summary)".contains("read"))
        // No temporary files are left beside the reports.
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".tmp") }.isEmpty)
        #expect(try await runner.refreshStaleReports() == 0)
    }
}

@Suite("Reports the end of a campaign could not write")
struct MissingReportTests {
    @Test("written by the second look while the daemon runs, not the first, and tried again while the outbox refuses them")
    func writtenLater() async throws {
        let harness = try PipelineHarness()
        try harness.drop("c/numbers.txt", "6281234567890\n")
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        // As if the outbox had been full when the campaign ended: no reports, no report stage.
        try await harness.database.write { db in
            try db.execute("DELETE FROM campaignStages WHERE campaignId = ? AND stage IN ('report', 'archive')", campaign.id)
        }
        try FileManager.default.removeItem(atPath: "\(outbox)/report.pdf")
        let runner = CampaignRunner(context: harness.context)

        // The first look only notes it: the campaign's own run may be writing them right now.
        let seen = try await runner.writeReportsStillMissing(seenBefore: [])
        #expect(seen == [campaign.id])
        #expect(!FileManager.default.fileExists(atPath: "\(outbox)/report.pdf"))

        // The campaign's folder cannot be written (a file stands in its place, which stops root
        // too): it stays on the list, with the reason.
        try FileManager.default.moveItem(atPath: outbox, toPath: "\(outbox).aside")
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: outbox))
        let refused = await #expect(throws: ReportsStillMissing.self) { try await runner.writeReportsStillMissing(seenBefore: seen) }
        #expect(refused?.campaigns == [campaign.id])
        try FileManager.default.removeItem(atPath: outbox)
        try FileManager.default.moveItem(atPath: "\(outbox).aside", toPath: outbox)

        let left = try await runner.writeReportsStillMissing(seenBefore: refused?.campaigns ?? seen)
        #expect(left.isEmpty)
        #expect(FileManager.default.fileExists(atPath: "\(outbox)/report.pdf"))
        #expect(try await harness.database.finishedCampaignsWithoutReports().isEmpty)
    }
}
