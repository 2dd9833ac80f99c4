import Foundation
import Logging
@testable import Pipeline
import SiaranTestSupport
import Store
import Testing
import Transport

/// Several workers watching one shared inbox/: every drop is taken by exactly one of them, and a
/// drop whose worker died mid-intake is taken by another once that worker's claim runs out.
@Suite("Cluster: two workers on one shared inbox")
struct ClusterIntakeTests {
    /// The shared folder (inbox/, outbox/, the spool) of a two-worker installation.
    struct SharedFolder {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID())")
        init() throws {
            for folder in ["inbox", "outbox", ".siaran/spool", "templates"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
        }
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        func remove() { try? FileManager.default.removeItem(at: root) }

        /// A campaign folder in inbox/, backdated past the quiet period.
        func drop(_ name: String, numbers: [String], message: String) throws {
            let folder = root.appendingPathComponent("inbox/\(name)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (file, text) in [("numbers.txt", numbers.joined(separator: "\n")), ("message.txt", message)] {
                let url = folder.appendingPathComponent(file)
                try text.write(to: url, atomically: false, encoding: .utf8)
                try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: url.path)
            }
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: folder.path)
        }

        var dropsLeft: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path("inbox"))) ?? []).filter { !$0.hasPrefix(".") && $0 != "failed" }
        }

        func context(_ database: SiaranDatabase, worker: String) -> PipelineContext {
            let configuration = PipelineConfiguration(
                watch: WatchConfiguration(quietSeconds: 0.3, rescanSeconds: 30),
                sending: SendingConfiguration(delayMinimum: 0, delayMaximum: 0, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                              window: SendingWindow(startMinute: 0, endMinute: 1440)))
            var context = PipelineContext(
                inbox: path("inbox"), outbox: path("outbox"), spool: path(".siaran/spool"), templates: path("templates"),
                optOutFile: path(".siaran/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
                sessions: ["utama"], database: database, transport: DryRunTransport(outbox: path("outbox")),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            context.workerId = worker
            return context
        }
    }

    /// A second connection to the test's database, as another machine would open it.
    static func secondConnection(_ test: TestDatabase) async throws -> SiaranDatabase {
        try await SiaranDatabase.open(test.location, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test("two workers and 20 drops arriving at once: 20 campaigns, none taken twice", arguments: TestDatabaseKind.allCases)
    func twentyDrops(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let other = try await Self.secondConnection(test)
        defer { Task { await other.close() } }
        let shared = try SharedFolder()
        defer { shared.remove() }
        for index in 0..<20 {
            try shared.drop(String(format: "promo-%02d", index), numbers: [String(format: "0812%08d", 10_000_000 + index)],
                            message: "Halo nomor \(index)")
        }

        // Each worker scans the shared inbox and takes what it finds, as its pipeline does, until nothing is left.
        let workers = [("a", test.database), ("b", other)]
        let outcomes = try await withThrowingTaskGroup(of: [DropIntake.Outcome].self) { group in
            for (worker, database) in workers {
                group.addTask {
                    let context = shared.context(database, worker: worker)
                    let scanner = DropScanner(inbox: context.inbox, configuration: context.pipeline.watch)
                    let intake = DropIntake(inbox: context.inbox, outbox: context.outbox, spool: context.spool, database: database,
                                            defaultTimeZone: "Asia/Jakarta", logger: context.logger, worker: worker)
                    var outcomes: [DropIntake.Outcome] = []
                    for _ in 0..<200 where !shared.dropsLeft.isEmpty {
                        for finding in scanner.scan() { outcomes.append(try await intake.take(finding)) }
                        await Task.yield()
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: [DropIntake.Outcome]()) { $0 += $1 }
        }

        #expect(shared.dropsLeft.isEmpty)
        let accepted = outcomes.compactMap { if case .accepted(let id) = $0 { id } else { nil } }
        #expect(accepted.count == 20, "\(outcomes)")
        #expect(Set(accepted).count == 20)
        #expect(!outcomes.contains { if case .refused = $0 { true } else if case .duplicate = $0 { true } else { false } },
                "no drop is refused or reported as a duplicate of itself: \(outcomes)")
        let campaigns = try await test.database.allCampaigns()
        #expect(campaigns.count == 20)
        #expect(Set(campaigns.map(\.name)).count == 20)
        for campaign in campaigns {
            #expect(try await test.database.completedStages(of: campaign.id).contains(CampaignStage.ingest))
            #expect(FileManager.default.fileExists(atPath: (campaign.spoolPath as NSString).appendingPathComponent("numbers.txt")))
        }
    }

    @Test("two workers that both still see the same drop (a stale view of the shared folder): the database claim alone lets one take it",
          arguments: TestDatabaseKind.allCases)
    func claimAlone(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let other = try await Self.secondConnection(test)
        defer { Task { await other.close() } }
        // Each worker's view of inbox/ holds the drop, so neither the other's move of the folder
        // nor a failed rename stops it: an NFS client's cached directory shows a folder another
        // machine already moved. The spool and outbox/ are shared.
        let shared = try SharedFolder()
        defer { shared.remove() }
        let views = ["a": shared.path("inbox-a"), "b": shared.path("inbox-b")]
        for inbox in views.values {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            try shared.drop("promo", numbers: ["081234567890", "081234567891"], message: "Halo")
            try FileManager.default.moveItem(atPath: shared.path("inbox/promo"), toPath: (inbox as NSString).appendingPathComponent("promo"))
        }

        // Both scan and take at the same moment, each from its view.
        let outcomes = try await withThrowingTaskGroup(of: (String, DropIntake.Outcome).self) { group in
            for (worker, database) in [("a", test.database), ("b", other)] {
                group.addTask {
                    let inbox = try #require(views[worker])
                    let scanner = DropScanner(inbox: inbox, configuration: WatchConfiguration(quietSeconds: 0.3, rescanSeconds: 30))
                    let finding = try #require(scanner.scan().first)
                    let intake = DropIntake(inbox: inbox, outbox: shared.path("outbox"), spool: shared.path(".siaran/spool"), database: database,
                                            defaultTimeZone: "Asia/Jakarta", logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                            worker: worker)
                    return (worker, try await intake.take(finding))
                }
            }
            return try await group.reduce(into: [String: DropIntake.Outcome]()) { $0[$1.0] = $1.1 }
        }

        let winner = try #require(outcomes.first { if case .accepted = $0.value { true } else { false } }?.key, "nobody took the drop: \(outcomes)")
        let loser = winner == "a" ? "b" : "a"
        #expect(outcomes[loser] == .takenElsewhere(worker: winner), "\(outcomes)")
        #expect(try await test.database.allCampaigns().count == 1)
        #expect(FileManager.default.fileExists(atPath: (try #require(views[loser]) as NSString).appendingPathComponent("promo/numbers.txt")),
                "the other worker left its view of the drop alone (no duplicate report moved it to failed/)")
        let outboxFolders = try FileManager.default.contentsOfDirectory(atPath: shared.path("outbox"))
        #expect(outboxFolders == ["promo"], "one outbox folder, no duplicate's errors.txt: \(outboxFolders)")
    }

    @Test("a drop left half-taken by a worker that died is taken by the other once the dead worker's claim runs out",
          arguments: TestDatabaseKind.allCases)
    func deadWorker(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let other = try await Self.secondConnection(test)
        defer { Task { await other.close() } }
        let shared = try SharedFolder()
        defer { shared.remove() }
        try shared.drop("promo", numbers: ["081234567890", "081234567891"], message: "Halo")

        // Worker "a" claimed the drop, recorded its campaign, and died before moving the files.
        let scanner = DropScanner(inbox: shared.path("inbox"), configuration: WatchConfiguration(quietSeconds: 0.3, rescanSeconds: 30))
        guard case .ready(let drop)? = scanner.scan().first else { Issue.record("the drop is not ready"); return }
        let hash = try DropIntake.contentHash(of: drop)
        let claimed = try await test.database.claimDrop(contentHash: hash, name: "promo", worker: "a", at: Date(), duration: 600)
        #expect(claimed == .claimed(takenOverFrom: nil))
        try await test.database.recordAcceptedDrop(
            DropRecord(id: "d-dead", name: "promo", contentHash: hash, outcome: "accepted", campaignId: "c-dead"),
            campaign: CampaignRecord(id: "c-dead", name: "promo", dropId: "d-dead", spoolPath: shared.path(".siaran/spool/c-dead"), outboxFolder: "promo"))

        // Worker "b" starts meanwhile: it neither settles a's intake nor runs its campaign nor takes the drop.
        let b = shared.context(other, worker: "b")
        _ = try await PipelineService(context: b, once: true).run()
        #expect(shared.dropsLeft == ["promo"])
        let waiting = try await other.campaign("c-dead")
        #expect(waiting?.state == .queued, "a's half-taken campaign is left alone while a's claim runs")

        // a's claim runs out (its last renewal is dated far enough back that it has expired by now,
        // instead of the test waiting out a real claim): b settles the dead intake and takes the drop itself.
        let expired = try await test.database.claimDrop(contentHash: hash, name: "promo", worker: "a", at: Date().addingTimeInterval(-700), duration: 600)
        #expect(expired == .claimed(takenOverFrom: nil))
        var taken: CampaignRecord?
        let ceiling = Date().addingTimeInterval(60)
        while taken == nil, Date() < ceiling {
            try await Task.sleep(for: .milliseconds(200))
            _ = try await PipelineService(context: b, once: true).run()
            taken = try await other.allCampaigns().first { $0.id != "c-dead" && $0.state == .done }
        }
        let campaign = try #require(taken)
        #expect(shared.dropsLeft.isEmpty)
        #expect(try await other.campaign("c-dead") == nil, "the dead worker's unfinished record is forgotten")
        #expect(try await other.allCampaigns().count == 1)
        #expect(try await other.messageCounts(of: campaign.id).total == 2)
    }
}
