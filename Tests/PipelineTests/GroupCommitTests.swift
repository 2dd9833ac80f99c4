import Foundation
import Pipeline
import Reports
import SiaranTestSupport
import Store
import Synchronization
import Testing
import Transport

/// The send loop claims messages in groups when they go out back to back, one at a time when
/// paced; either way nothing is on the wire that the database does not hold as `sending`.
@Suite("Group commit")
struct GroupCommitTests {
    /// Wraps the dry-run transport and looks at the database at every send: how many messages are
    /// claimed (`sending`) and not yet recorded, and whether the message being sent is one of them.
    final class WatchingTransport: MessageTransport, Sendable {
        let inner: DryRunTransport
        let database: SiaranDatabase
        let pauseAfter: Int?
        let pauseFile: String
        let observations = Mutex<(sends: Int, mostClaimed: Int, unclaimedSends: Int)>((0, 0, 0))
        var events: AsyncStream<TransportEvent> { inner.events }

        init(outbox: String, database: SiaranDatabase, pauseAfter: Int? = nil, pauseFile: String) {
            inner = DryRunTransport(outbox: outbox)
            self.database = database
            self.pauseAfter = pauseAfter
            self.pauseFile = pauseFile
        }

        func send(_ message: OutgoingMessage) async -> SendResult {
            let counts = try? await database.messageCounts(of: message.campaignId)
            let history: [PhoneMessageRecord] = (try? await database.messages(toPhone: message.phone)) ?? []
            let claimed = history.contains { $0.messageId == message.id && $0.state == "sending" }
            let sends = observations.withLock { seen in
                seen.sends += 1
                seen.mostClaimed = max(seen.mostClaimed, counts?.sending ?? 0)
                if !claimed { seen.unclaimedSends += 1 }
                return seen.sends
            }
            let result = await inner.send(message)
            if sends == pauseAfter { _ = FileManager.default.createFile(atPath: pauseFile, contents: nil) }
            return result
        }
    }

    static func harness(_ kind: TestDatabaseKind, contacts: Int) async throws -> PipelineHarness {
        let harness = try await PipelineHarness(kind)
        try harness.drop("grup/numbers.txt", (0..<contacts).map { "62812\(String(format: "%08d", 5000 + $0))" }.joined(separator: "\n"))
        try harness.drop("grup/message.txt", "Halo {name|Kak}!")
        return harness
    }

    @Test("back to back, messages are claimed in groups of at most 64, each before it goes out", arguments: TestDatabaseKind.allCases)
    func backToBack(_ kind: TestDatabaseKind) async throws {
        let harness = try await Self.harness(kind, contacts: 150)
        let transport = WatchingTransport(outbox: harness.path("outbox"), database: harness.database, pauseFile: harness.path("unused"))
        var context = harness.context
        context.transport = transport
        context.eventLog = CampaignEventLog(outbox: harness.path("outbox"), timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        try await PipelineService(context: context, once: true).run()

        let campaign = try #require(try await harness.campaigns().first)
        let seen = transport.observations.withLock { $0 }
        #expect(seen.sends == 150)
        #expect(seen.unclaimedSends == 0, "a message went out without being marked sending first")
        #expect(seen.mostClaimed > 1 && seen.mostClaimed <= 64, "claimed at once: \(seen.mostClaimed)")
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sent == 150 && counts.sending == 0 && counts.pending == 0)
        let logged = try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/logs.txt"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("status=sent") }
        #expect(logged.count == 150, "logs.txt says sent once per message, after the database does")
    }

    @Test("paced, one message is claimed at a time, so a crash repeats at most one")
    func pacedOneAtATime() async throws {
        var harness = try await Self.harness(.sqlite, contacts: 40)
        harness.configuration.sending.delayMinimum = 0.001
        harness.configuration.sending.delayMaximum = 0.002
        let transport = WatchingTransport(outbox: harness.path("outbox"), database: harness.database, pauseFile: harness.path("unused"))
        var context = harness.context
        context.transport = transport
        try await PipelineService(context: context, once: true).run()
        let seen = transport.observations.withLock { $0 }
        #expect(seen.sends == 40 && seen.unclaimedSends == 0)
        #expect(seen.mostClaimed == 1)
    }

    @Test("a pause between two messages of a group gives the rest back: pending again, their attempt not counted",
          .timeLimit(.minutes(6)), arguments: TestDatabaseKind.allCases)
    func pauseReleasesTheGroup(_ kind: TestDatabaseKind) async throws {
        let harness = try await Self.harness(kind, contacts: 100)
        let pauseAll = harness.path("inbox/PAUSE-ALL")
        let transport = WatchingTransport(outbox: harness.path("outbox"), database: harness.database, pauseAfter: 10, pauseFile: pauseAll)
        var context = harness.context
        context.transport = transport
        let service = PipelineService(context: context, once: true)
        let running = Task { try await service.run() }

        // Wait (generously) until the campaign says it is paused.
        var campaign: CampaignRecord?
        let deadline = ContinuousClock.now + .seconds(200)
        while ContinuousClock.now < deadline {
            campaign = try await harness.campaigns().first
            if campaign?.state == .paused { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let paused = try #require(campaign)
        #expect(paused.state == .paused)
        let counts = try await harness.database.messageCounts(of: paused.id)
        #expect(counts.sent == 10, "the ten sends before the pause are recorded")
        #expect(counts.sending == 0, "nothing stays claimed while paused")
        #expect(counts.pending == 90)
        let attempts = try await harness.database.nextMessages(of: paused.id, now: Date(), limit: 1_000).filter { $0.state == .pending }.map(\.attempts)
        #expect(attempts.allSatisfy { $0 == 0 })

        try FileManager.default.removeItem(atPath: pauseAll)
        try await running.value
        let lines = try harness.dryRunLines(paused)
        #expect(lines.count == 100 && Set(lines.compactMap { $0["to"] as? String }).count == 100, "every contact once, none twice")
    }
}
