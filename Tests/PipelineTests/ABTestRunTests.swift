import Foundation
import Logging
import SiaranTestSupport
import Synchronization
import Pipeline
import Reports
import Store
import Testing
import Transport

/// Sends on a manual clock and scripts the replies: everyone who gets variant B answers, one in
/// ten of those who get A does.
final class ScriptedReplyTransport: MessageTransport, Sendable {
    let clock: any PipelineClock
    let database: SiaranDatabase
    let sends = Mutex<[(phone: String, text: String, at: Date)]>([])
    let events = AsyncStream<TransportEvent> { _ in }

    init(clock: any PipelineClock, database: SiaranDatabase) {
        self.clock = clock
        self.database = database
    }

    func send(_ message: OutgoingMessage) async -> SendResult {
        let now = clock.now()
        let count = sends.withLock { sends in
            sends.append((message.phone, message.text, now))
            return sends.filter { $0.text.contains("Varian A") }.count
        }
        let replies = message.text.contains("Varian B") || (message.text.contains("Varian A") && count % 10 == 0)
        if replies {
            _ = try? await database.recordReply(phone: message.phone, session: message.session, messageId: "in-\(message.id)", text: "Mau",
                                                at: now.addingTimeInterval(60), isOptOut: false)
        }
        return .sent(at: now)
    }
}

/// A manual clock that stops the run (as a `kill -9` would) the first time it is asked to wait
/// while the A/B test is waiting for its decision.
final class StopDuringWaitClock: PipelineClock, Sendable {
    let inner: ManualClock
    let database: SiaranDatabase
    let campaign: String
    let stopped = Mutex(false)

    init(_ inner: ManualClock, database: SiaranDatabase, campaign: String) {
        self.inner = inner
        self.database = database
        self.campaign = campaign
    }

    func now() -> Date { inner.now() }

    func sleep(seconds: Double) async throws {
        if let test = try await database.abTest(of: campaign), test.decidedAt == nil, !stopped.withLock({ $0 }) {
            stopped.withLock { $0 = true }
            throw CancellationError()
        }
        try await inner.sleep(seconds: seconds)
    }
}

/// A manual clock that puts `PAUSE` in the campaign's folder half an hour into the A/B test's
/// wait, lets five hours pass while the wait is held, then stops the run (as a `kill -9` would);
/// in the next run it lets another hour pass and takes `PAUSE` away.
final class PauseDuringWaitClock: PipelineClock, Sendable {
    let inner: ManualClock
    let database: SiaranDatabase
    let campaign: String
    let pauseFile: String
    /// 0 before the pause, 1 paused (counting held hours), 2 stopped while paused, 3 resumed.
    let phase = Mutex((step: 0, heldHours: 0, resumedAt: Date?.none))

    init(_ inner: ManualClock, database: SiaranDatabase, campaign: String, pauseFile: String) {
        self.inner = inner
        self.database = database
        self.campaign = campaign
        self.pauseFile = pauseFile
    }

    func now() -> Date { inner.now() }

    func sleep(seconds: Double) async throws {
        guard let test = try await database.abTest(of: campaign), test.decidedAt == nil else { return try await inner.sleep(seconds: seconds) }
        let state = phase.withLock { $0 }
        switch state.step {
        case 0 where inner.now() >= test.sampleSentAt.addingTimeInterval(1800):
            FileManager.default.createFile(atPath: pauseFile, contents: nil)
            phase.withLock { $0.step = 1 }
        case 1 where test.heldSince != nil:
            if state.heldHours == 5 {
                phase.withLock { $0.step = 2 }
                throw CancellationError()
            }
            inner.jump(by: 3600)
            phase.withLock { $0.heldHours += 1 }
        case 2 where test.heldSince != nil:
            inner.jump(by: 3600)
            try FileManager.default.removeItem(atPath: pauseFile)
            phase.withLock { $0 = (3, $0.heldHours + 1, inner.now()) }
        default:
            break
        }
        try await inner.sleep(seconds: seconds)
    }
}

@Suite("Test, then send the winner")
struct ABTestRunTests {
    static let yaml = """
        variants:
          - "Halo {name|Kak}, promo Desember. Varian A"
          - "Halo {name|Kak}! Diskon 20% hari ini. Varian B"
        ab_test: {sample: 40%, metric: replied, wait: 2h, min_per_variant: MIN, fallback: first}
        engagement_guard: off

        """

    func prepare(_ kind: TestDatabaseKind, contacts: Int, minPerVariant: Int,
                 transport: SendingConfiguration.TransportKind = .whatsapp) async throws -> (PipelineHarness, PipelineContext, String) {
        let harness = try await PipelineHarness(kind)
        let numbers = (0..<contacts).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
        try harness.drop("ab/numbers.txt", numbers)
        try harness.drop("ab/message.txt", "Halo")
        try harness.drop("ab/campaign.yaml", Self.yaml.replacingOccurrences(of: "MIN", with: "\(minPerVariant)"))
        try harness.backdate(harness.path("inbox/ab"), by: 5)
        let campaign = try #require(try await harness.takeDrops().first)
        var context = harness.context
        context.eventLog = CampaignEventLog(outbox: harness.path("outbox"), timeZone: PacingTests.jakarta)
        // A real transport waits for the test's result (a dry-run does not); no cold cap here.
        context.pipeline.sending.transport = transport
        context.pipeline.sending.coldDailyCap = 0
        return (harness, context, campaign.id)
    }

    @Test("the sample goes out, a stop during the wait resumes it, B wins on replies and everyone else gets B exactly once",
          arguments: TestDatabaseKind.allCases)
    func winner(database: TestDatabaseKind) async throws {
        let (harness, base, id) = try await prepare(database, contacts: 200, minPerVariant: 20)
        let clock = ManualClock(PacingTests.date("2026-11-25 09:00"))
        let transport = ScriptedReplyTransport(clock: clock, database: harness.database)
        var context = base
        context.transport = transport

        // First run: the sample goes out, then the run stops while the test waits.
        context.clock = StopDuringWaitClock(clock, database: harness.database, campaign: id)
        #expect(try await CampaignRunner(context: context).run(id) == .interrupted)
        let sample = transport.sends.withLock { $0.count }
        #expect(sample == 80)
        let waiting = try #require(try await harness.database.abTest(of: id))
        #expect(waiting.sampleSize == 80 && waiting.decidedAt == nil)

        // Second run: the wait resumes from when the sample finished; the decision, then the rest.
        context.clock = clock
        #expect(try await CampaignRunner(context: context).run(id) == .finished(.done))
        let decided = try #require(try await harness.database.abTest(of: id))
        #expect(decided.winner == "B" && decided.decidedBy == "significant", "\(decided)")
        #expect(try #require(decided.decidedAt) >= waiting.sampleSentAt.addingTimeInterval(2 * 3600))
        #expect(decided.reason?.contains("variant B had a significantly higher reply rate in the sample") == true, "\(decided.reason ?? "")")

        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 200)
        #expect(Set(sends.map(\.phone)).count == 200)
        #expect(sends.dropFirst(sample).allSatisfy { $0.text.contains("Varian B") })
        #expect(sends.dropFirst(sample).allSatisfy { $0.at >= waiting.sampleSentAt.addingTimeInterval(2 * 3600) })
        let counts = try await harness.database.messageCounts(of: id)
        #expect(counts.total == 200)
        let campaign = try #require(try await harness.database.campaign(id))
        let log = try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/logs.txt"), encoding: .utf8)
        #expect(log.contains("ab-test-decided") && log.contains("variant B to the other 120 contacts"), "\(log)")
        let outbox = harness.path("outbox/\(campaign.folderName)")
        let preview = try String(contentsOfFile: "\(outbox)/preview.txt", encoding: .utf8)
        #expect(preview.contains("A/B test: these 80 messages are the sample (40%). 2 h after it went out, the variant with a significantly higher reply rate (at least 20 messages each) goes to the other 120 contacts; otherwise the first variant."), "\(preview)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(outbox)/summary.json"))) as? [String: Any]
        let test = try #require(summary?["ab_test"] as? [String: Any])
        #expect(test["winner"] as? String == "B" && test["decided_by"] as? String == "significant" && test["sample_size"] as? Int == 80)
    }

    @Test("ab_test in campaign.yaml: its settings, and mistakes with their place")
    func options() throws {
        let options = try CampaignOptions.parse("ab_test: {sample: 25%, metric: read, wait: 90m, min_per_variant: 30, fallback: higher}\n",
                                                defaultTimeZone: "Asia/Jakarta")
        let test = try #require(options.abTest)
        #expect(test.samplePercent == 25 && test.metric == .read && test.waitSeconds == 5400 && test.minPerVariant == 30 && test.fallback == .higher)
        #expect(try CampaignOptions.parse(options.yaml(timeZone: .current), defaultTimeZone: "Asia/Jakarta") == options)
        #expect(throws: CampaignOptions.Problem(line: 2, column: 10, message: "'ab_test': 'sample' must be a share from 1% to 90%, such as 20%",
                                                indonesian: "'ab_test': 'sample' harus bagian 1% sampai 90%, misalnya 20%", field: "ab_test")) {
            try CampaignOptions.parse("name: a\nab_test: {sample: 95%}\n", defaultTimeZone: "Asia/Jakarta")
        }
    }

    @Test("too small a sample cannot decide: the fallback (the first variant) goes to the rest, and the log says why")
    func fallback() async throws {
        let (harness, base, id) = try await prepare(.sqlite, contacts: 50, minPerVariant: 100)
        let clock = ManualClock(PacingTests.date("2026-11-25 09:00"))
        let transport = ScriptedReplyTransport(clock: clock, database: harness.database)
        var context = base
        context.transport = transport
        context.clock = clock
        #expect(try await CampaignRunner(context: context).run(id) == .finished(.done))
        let decided = try #require(try await harness.database.abTest(of: id))
        #expect(decided.winner == "A" && decided.decidedBy == "fallback-first")
        #expect(decided.reason?.hasPrefix("the sample had fewer than 100 messages for a variant") == true, "\(decided.reason ?? "")")
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 50 && Set(sends.map(\.phone)).count == 50)
        #expect(sends.dropFirst(20).allSatisfy { $0.text.contains("Varian A") })
    }

    @Test("PAUSE holds the wait: six hours paused (with a stop between) do not count, the winner is chosen after the 2 h of wait, never while paused",
          arguments: TestDatabaseKind.allCases)
    func pauseHoldsTheWait(database: TestDatabaseKind) async throws {
        let (harness, base, id) = try await prepare(database, contacts: 60, minPerVariant: 10)
        let start = ManualClock(PacingTests.date("2026-11-25 09:00"))
        let transport = ScriptedReplyTransport(clock: start, database: harness.database)
        let campaign = try #require(try await harness.database.campaign(id))
        let clock = PauseDuringWaitClock(start, database: harness.database, campaign: id,
                                         pauseFile: harness.path("outbox/\(campaign.folderName)/PAUSE"))
        var context = base
        context.transport = transport
        context.clock = clock

        // First run: the sample, half an hour of wait, then PAUSE holds it for five hours and the run stops.
        #expect(try await CampaignRunner(context: context).run(id) == .interrupted)
        let sample = transport.sends.withLock { $0.count }
        #expect(sample == 24)
        let held = try #require(try await harness.database.abTest(of: id))
        #expect(held.decidedAt == nil, "not decided while paused, although the clock is 5.5 h past the sample")
        let heldSince = try #require(held.heldSince, "the hold is a checkpoint")
        #expect(heldSince >= held.sampleSentAt.addingTimeInterval(1800) && heldSince < held.sampleSentAt.addingTimeInterval(1810))
        #expect(try await harness.database.campaign(id)?.state == .paused)

        // Second run: still held (one more hour), then PAUSE goes and the last 1.5 h of wait run.
        #expect(try await CampaignRunner(context: context).run(id) == .finished(.done))
        let resumedAt = try #require(clock.phase.withLock { $0.resumedAt })
        let decided = try #require(try await harness.database.abTest(of: id))
        #expect(decided.heldSince == nil)
        #expect(decided.heldSeconds >= 6 * 3600 && decided.heldSeconds < 6 * 3600 + 10, "\(decided.heldSeconds)")
        let decidedAt = try #require(decided.decidedAt)
        #expect(decidedAt >= held.sampleSentAt.addingTimeInterval(2 * 3600 + decided.heldSeconds - 1), "the dates are stored to the millisecond")
        #expect(decidedAt >= resumedAt.addingTimeInterval(5400 - 10) && decidedAt < resumedAt.addingTimeInterval(5400 + 10),
                "the wait went on with what was left (1.5 h) after the resume")
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 60 && Set(sends.map(\.phone)).count == 60)
        let winner = try #require(decided.winner)
        #expect(sends.dropFirst(sample).allSatisfy { $0.at >= decidedAt && $0.text.contains("Varian \(winner)") })
    }

    @Test("a dry-run does not wait for the result: the plan says so, the fallback is chosen when the sample is written, everyone gets one message")
    func dryRunSkipsTheWait() async throws {
        let (harness, base, id) = try await prepare(.sqlite, contacts: 50, minPerVariant: 10, transport: .dryRun)
        var context = base
        let clock = ManualClock(PacingTests.date("2026-11-25 09:00"))
        context.clock = clock
        #expect(try await CampaignRunner(context: context).run(id) == .finished(.done))
        let decided = try #require(try await harness.database.abTest(of: id))
        let decidedAt = try #require(decided.decidedAt)
        #expect(decidedAt.timeIntervalSince(decided.sampleSentAt) < 60, "no 2 h wait in a rehearsal")
        #expect(decided.winner == "A" && decided.decidedBy == "fallback-first", "\(decided)")
        let campaign = try #require(try await harness.database.campaign(id))
        let lines = try harness.dryRunLines(campaign)
        #expect(lines.count == 50 && Set(lines.compactMap { $0["to"] as? String }).count == 50)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        let preview = try String(contentsOfFile: "\(outbox)/preview.txt", encoding: .utf8)
        #expect(preview.contains("This dry-run does not wait: nothing is sent, so no reply or read can come"), "\(preview)")
        #expect(preview.contains("Uji coba (dry-run) ini tidak menunggu"), "\(preview)")
        let log = try String(contentsOfFile: "\(outbox)/logs.txt", encoding: .utf8)
        #expect(log.contains("a dry-run chooses the winner at once"), "\(log)")
    }
}
