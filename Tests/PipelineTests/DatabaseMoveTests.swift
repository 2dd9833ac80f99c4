import Foundation
import Pipeline
import SiaranTestSupport
import Store
import Testing

/// A growing user moves from SQLite to PostgreSQL with `database copy`: the history arrives, and a
/// campaign that was in the middle of sending finishes on PostgreSQL without a second message to
/// anyone.
@Suite("Moving an installation to PostgreSQL")
struct DatabaseMoveTests {
    @Test("a finished and a paused campaign copied from SQLite; the paused one finishes on PostgreSQL, nobody twice",
          .timeLimit(.minutes(6)))
    func copyThenFinish() async throws {
        let harness = try PipelineHarness()  // SQLite in state/, as `make run` sets up
        defer { try? FileManager.default.removeItem(at: harness.root) }
        try harness.drop("selesai/numbers.txt", (0..<20).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n"))
        try harness.drop("selesai/message.txt", "Halo {name|Kak}, promo kemarin!")
        _ = try await harness.runOnce()

        // The second campaign stops part-way: PAUSE-ALL after 15 sends, then the daemon stops.
        try harness.drop("berjalan/numbers.txt", (0..<60).map { "62814\(String(format: "%08d", $0))" }.joined(separator: "\n"))
        try harness.drop("berjalan/message.txt", "Halo {name|Kak}, promo hari ini!")
        let pauseAll = harness.path("inbox/PAUSE-ALL")
        var context = harness.context
        context.transport = GroupCommitTests.WatchingTransport(outbox: harness.path("outbox"), database: harness.database,
                                                               pauseAfter: 15, pauseFile: pauseAll)
        let service = PipelineService(context: context, once: true)
        let running = Task { try await service.run() }
        var paused: CampaignRecord?
        let deadline = ContinuousClock.now + .seconds(200)
        while ContinuousClock.now < deadline, paused == nil {
            paused = try await harness.campaigns().first { $0.name == "berjalan" && $0.state == .paused }
            try await Task.sleep(for: .milliseconds(20))
        }
        running.cancel()
        _ = try? await running.value
        let live = try #require(paused, "the second campaign paused part-way")
        let sentBefore = try await harness.database.messageCounts(of: live.id).sent
        #expect(sentBefore == 15)

        // Copy to a fresh PostgreSQL database, then run the same folders on it.
        let target = try await TestDatabase.make(.postgres)
        defer { target.remove() }
        let report = try await DatabaseCopy(from: harness.database, to: target.database).run()
        #expect(report.rows.allSatisfy { $0.source == $0.target }, "\(report.rows)")
        try FileManager.default.removeItem(atPath: pauseAll)
        var moved = harness.context
        moved.database = target.database
        try await PipelineService(context: moved, once: true).run()

        let campaigns = try await target.database.allCampaigns()
        let finished = try #require(campaigns.first { $0.id == live.id })
        #expect(finished.state == .done)
        let counts = try await target.database.messageCounts(of: live.id)
        #expect(counts.sent == 60 && counts.pending == 0 && counts.sending == 0)
        let lines = try harness.dryRunLines(finished)
        let idsByPhone = Dictionary(grouping: lines, by: { $0["to"] as? String ?? "" }).mapValues { Set($0.compactMap { $0["id"] as? String }) }
        #expect(idsByPhone.count == 60 && idsByPhone.values.allSatisfy { $0.count == 1 }, "every contact got one id")
        #expect(lines.count == 60, "nobody got a message twice")
        #expect(FileManager.default.fileExists(atPath: harness.path("outbox/\(finished.folderName)/report.csv")))
        let earlier = try #require(campaigns.first { $0.name == "selesai" })
        let earlierSent = try await target.database.messageCounts(of: earlier.id).sent
        #expect(earlier.state == .done && earlierSent == 20)
    }
}
