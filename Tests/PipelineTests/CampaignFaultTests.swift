import Foundation
import GRDB
import Pipeline
import SiaranTestSupport
import Store
import Testing

/// One campaign's error stays in that campaign: the others go on, and a campaign that breaks at
/// the same stage on three starts in a row is failed rather than tried forever.
@Suite("Pipeline: one bad campaign never stops the daemon")
struct CampaignFaultTests {
    static let numbers = "081234567890\n081311223344\n"

    /// Drops `bad` (held for approval) and `good`, then breaks `bad`: its status.json becomes a
    /// folder, so every write of it fails with an error that is neither staff's nor transient.
    private func prepare(_ kind: TestDatabaseKind) async throws -> (PipelineHarness, CampaignRecord) {
        let harness = try await PipelineHarness(kind)
        try harness.drop("bad/numbers.txt", Self.numbers)
        try harness.drop("bad/message.txt", "Halo dari kampanye rusak")
        try harness.drop("bad/campaign.yaml", "approval: required\n")
        _ = try await harness.runOnce()
        let bad = try #require(try await harness.campaigns().first { $0.name == "bad" })
        #expect(bad.state == .waitingApproval)
        let outbox = harness.path("outbox/\(bad.folderName)")
        try FileManager.default.removeItem(atPath: "\(outbox)/status.json")
        try FileManager.default.createDirectory(atPath: "\(outbox)/status.json/blocked", withIntermediateDirectories: true)
        try "".write(toFile: "\(outbox)/APPROVE", atomically: true, encoding: .utf8)
        try harness.drop("good/numbers.txt", Self.numbers)
        try harness.drop("good/message.txt", "Halo dari kampanye sehat")
        return (harness, bad)
    }

    @Test("a campaign whose run breaks waits and is tried again; the other campaign is sent in full",
          arguments: TestDatabaseKind.allCases)
    func otherCampaignGoesOn(kind: TestDatabaseKind) async throws {
        let (harness, bad) = try await prepare(kind)
        let service = try await harness.runOnce()  // returns instead of throwing: the daemon stays up
        let campaigns = try await harness.campaigns()
        let good = try #require(campaigns.first { $0.name == "good" })
        #expect(good.state == .done)
        #expect(try harness.dryRunLines(good).count == 2)
        let broken = try #require(campaigns.first { $0.id == bad.id })
        #expect(broken.state.isOpen, "one failed start does not fail the campaign")
        let attempt = try #require(try await harness.database.campaignAttempt(bad.id))
        #expect(attempt.strikes == 1 && attempt.stage == .send)
        #expect(attempt.lastError?.isEmpty == false)
        #expect(service.failedCampaigns.isEmpty)
    }

    @Test("three failed starts in a row at one stage, across restarts, fail the campaign with errors.txt",
          arguments: TestDatabaseKind.allCases)
    func threeStrikes(kind: TestDatabaseKind) async throws {
        let (harness, bad) = try await prepare(kind)
        var failed: [String] = []
        // Each pass is a new service over the same database: the count lives in the database.
        for _ in 1...3 { failed = try await harness.runOnce().failedCampaigns }
        #expect(failed == [bad.id])
        let campaign = try #require(try await harness.database.campaign(bad.id))
        #expect(campaign.state == .failed)
        #expect(try await harness.database.campaignAttempt(bad.id) == nil)
        let errors = try String(contentsOfFile: harness.path("outbox/\(bad.folderName)/errors.txt"), encoding: .utf8)
        #expect(errors.contains("failed three times in a row at the send stage"))
        #expect(errors.contains("gagal tiga kali berturut-turut pada tahap send"))
        // A fourth start leaves it alone.
        #expect(try await harness.runOnce().failedCampaigns.isEmpty)
    }

    @Test("a run that ended well clears the failed starts; a strike at a new stage starts the count again",
          arguments: TestDatabaseKind.allCases)
    func strikesInARow(kind: TestDatabaseKind) async throws {
        let (harness, bad) = try await prepare(kind)
        _ = try await harness.runOnce()
        #expect(try await harness.database.campaignAttempt(bad.id)?.strikes == 1)
        // The cause goes away (an operator fixed the folder): the next run ends well.
        try FileManager.default.removeItem(atPath: harness.path("outbox/\(bad.folderName)/status.json"))
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.database.campaign(bad.id))
        #expect(campaign.state == .done)
        #expect(try await harness.database.campaignAttempt(bad.id) == nil)
        #expect(try harness.dryRunLines(campaign).count == 2, "each number got its message once")
    }

    @Test("another process holds the SQLite write lock: the campaign waits, says so in status.json, and finishes once after it is released",
          .timeLimit(.minutes(4)))
    func lockedDatabase() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "Halo")
        try harness.drop("promo/campaign.yaml", "approval: required\n")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        // Another program takes the write lock and keeps it past the 10 s busy timeout.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: harness.path("state/siaran.sqlite"), configuration: configuration)
        try await offThePool { try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") } }
        var locked = true
        defer { if locked { try? holder.inDatabase { try $0.execute(sql: "ROLLBACK") } } }
        let outbox = harness.path("outbox/\(campaign.folderName)")
        try "".write(toFile: "\(outbox)/APPROVE", atomically: true, encoding: .utf8)
        let service = PipelineService(context: harness.context)
        let daemon = Task { try await service.run() }
        defer { daemon.cancel() }
        let said = await eventually(timeout: .seconds(60)) {
            let status = (try? String(contentsOfFile: "\(outbox)/status.json", encoding: .utf8)) ?? ""
            return status.contains("locked by another process")
        }
        #expect(said, "status.json says why the campaign waits")
        try await offThePool { try holder.inDatabase { try $0.execute(sql: "ROLLBACK") } }
        locked = false
        let done = await eventually(timeout: .seconds(90)) {
            (try? await harness.database.campaign(campaign.id))?.state == .done
        }
        #expect(done, "sending resumed by itself once the lock was released")
        daemon.cancel()
        _ = try? await daemon.value
        let lines = try harness.dryRunLines(try #require(try await harness.database.campaign(campaign.id)))
        #expect(lines.count == 2 && Set(lines.compactMap { $0["to"] as? String }).count == 2, "each number once")
    }
}

@Suite("Pipeline: a drop whose intake stopped half-way")
struct InterruptedIntakeTests {
    @Test("the same files still in inbox/ are not refused as a duplicate of their own unfinished intake; they are taken once it is settled")
    func notADuplicateOfItself() async throws {
        let harness = try PipelineHarness()
        try harness.drop("susulan/numbers.txt", CampaignFaultTests.numbers)
        try harness.drop("susulan/message.txt", "Halo")
        // As when state/ filled in the middle: the drop and its campaign were recorded, the files
        // never reached the spool, and forgetting the record could not be written either.
        try harness.backdate(harness.path("inbox/susulan"), by: 5)
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch, timeZone: .current)
        let finding = try #require(scanner.scan(now: Date()).first)
        let hash = try DropIntake.contentHash(of: finding.drop)
        try await harness.database.recordAcceptedDrop(
            DropRecord(id: "d1", name: "susulan", contentHash: hash, outcome: "accepted", campaignId: "half"),
            campaign: CampaignRecord(id: "half", name: "susulan", dropId: "d1", spoolPath: harness.path("state/spool/half"), options: "{}"))

        let intake = DropIntake(inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"),
                                database: harness.database, defaultTimeZone: "Asia/Jakarta", logger: harness.context.logger)
        await #expect(throws: IntakeNotSettled.self) { try await intake.take(finding) }
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/susulan/numbers.txt")), "the files stay in inbox/")
        #expect(!FileManager.default.fileExists(atPath: harness.path("inbox/failed/susulan")), "not refused")

        // The pipeline settles the half-taken record first, then takes the files afresh.
        _ = try await harness.runOnce()
        let campaigns = try await harness.campaigns()
        #expect(campaigns.map(\.name) == ["susulan"] && campaigns.first?.id != "half", "\(campaigns.map(\.id))")
        let taken = try #require(campaigns.first)
        #expect(taken.state == .done)
        #expect(try harness.dryRunLines(taken).count == 2)
    }
}
