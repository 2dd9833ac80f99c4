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

@Suite("Test, then send the winner")
struct ABTestRunTests {
    static let yaml = """
        variants:
          - "Halo {name|Kak}, promo Desember. Varian A"
          - "Halo {name|Kak}! Diskon 20% hari ini. Varian B"
        ab_test: {sample: 40%, metric: replied, wait: 2h, min_per_variant: MIN, fallback: first}
        engagement_guard: off

        """

    func prepare(_ kind: TestDatabaseKind, contacts: Int, minPerVariant: Int) async throws -> (PipelineHarness, PipelineContext, String) {
        let harness = try await PipelineHarness(kind)
        let numbers = (0..<contacts).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
        try harness.drop("ab/numbers.txt", numbers)
        try harness.drop("ab/message.txt", "Halo")
        try harness.drop("ab/campaign.yaml", Self.yaml.replacingOccurrences(of: "MIN", with: "\(minPerVariant)"))
        try harness.backdate(harness.path("inbox/ab"), by: 5)
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        let intake = DropIntake(inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"),
                                database: harness.database, defaultTimeZone: "Asia/Jakarta", logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        for finding in scanner.scan() { _ = try await intake.take(finding) }
        let campaign = try #require(try await harness.campaigns().first)
        var context = harness.context
        context.eventLog = CampaignEventLog(outbox: harness.path("outbox"), timeZone: PacingTests.jakarta)
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
}
