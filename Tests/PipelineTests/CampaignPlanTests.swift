import Foundation
import Pipeline
import Store
import Testing

/// The plan before sending, worked out from numbers, and checked against a run on a manual clock.
@Suite("The plan before sending: days, sessions, warm and cold, the estimated finish")
struct CampaignPlanTests {
    static func sending(delay: Double, cold: Int = 0, dailyCap: Int = 0, dryRun: Bool = false) -> SendingConfiguration {
        SendingConfiguration(delayMinimum: delay, delayMaximum: delay, hourlyCap: 0, dailyCap: dailyCap, warmUpDailyCaps: [],
                             coldDailyCap: cold, batchSize: 0, window: SendingWindow(parsing: "08:00-20:00")!,
                             transport: dryRun ? .dryRun : .whatsapp)
    }

    @Test("the window and the delay decide the days; the finish is inside the window of the last day")
    func windowAndDelay() {
        let plan = CampaignPlan.make(warm: 1000, cold: 0, ahead: 0, sessions: [.init(name: "utama", dailyCaps: [0])],
                                     sending: Self.sending(delay: 60), averageDelay: 60, coldCapApplies: true,
                                     now: PacingTests.date("2026-11-25 09:00"))
        // 09:00–20:00 is 660 minutes, one message a minute; the other 340 from 08:00 the next day.
        #expect(plan.days.map(\.total) == [660, 340])
        #expect(plan.finish == PacingTests.date("2026-11-26 13:40"))
    }

    @Test("the cold cap holds cold contacts back per session per day; warm ones do not use it; a dry-run ignores it")
    func coldCap() {
        let now = PacingTests.date("2026-11-25 09:00")
        let sessions: [CampaignPlan.SessionCaps] = [.init(name: "utama", dailyCaps: [0]), .init(name: "cadangan", dailyCaps: [0])]
        let cold = CampaignPlan.make(warm: 0, cold: 1000, ahead: 0, sessions: sessions, sending: Self.sending(delay: 1, cold: 200),
                                     averageDelay: 1, coldCapApplies: true, now: now)
        #expect(cold.days.map(\.total) == [400, 400, 200])
        #expect(cold.days[0].sessions.map(\.cold) == [200, 200])
        #expect(cold.finish == PacingTests.date("2026-11-27 08:00").addingTimeInterval(200))
        // Half warm, half cold, in list order: a day ends at the cold contact over the cap.
        let mixed = CampaignPlan.make(warm: 600, cold: 600, ahead: 0, sessions: sessions, sending: Self.sending(delay: 1, cold: 100),
                                      averageDelay: 1, coldCapApplies: true, now: now)
        #expect(mixed.days.map(\.total) == [400, 400, 400])
        #expect(mixed.days.allSatisfy { $0.sessions.reduce(0) { $0 + $1.cold } == 200 })
        let uncapped = CampaignPlan.make(warm: 0, cold: 1000, ahead: 0, sessions: sessions, sending: Self.sending(delay: 1, cold: 200),
                                         averageDelay: 1, coldCapApplies: false, now: now)
        #expect(uncapped.days.count == 1)
        var rehearsal = cold
        rehearsal.rehearsal = true
        #expect(rehearsal.lines(english: true).contains { $0.contains("Dry-run: this rehearsal ignores the cold cap") })
        #expect(rehearsal.lines(english: false).contains { $0.contains("1.000 pesan akan dikirim: 0 hangat") })
        #expect(cold.lines(english: true).contains("  Caps per session: daily none, hourly none, cold contacts 200 a day; window 08:00-20:00; 1.0 s between messages on average."))
    }

    @Test("campaigns queued before go first; a newly linked number follows its warm-up caps")
    func aheadAndWarmUp() {
        let now = PacingTests.date("2026-11-25 09:00")
        let ahead = CampaignPlan.make(warm: 300, cold: 0, ahead: 500, sessions: [.init(name: "utama", dailyCaps: [0])],
                                      sending: Self.sending(delay: 60), averageDelay: 60, coldCapApplies: true, now: now)
        #expect(ahead.days.map(\.ahead) == [500, 0] && ahead.days.map(\.total) == [160, 140])
        let warmUp = CampaignPlan.make(warm: 400, cold: 0, ahead: 0, sessions: [.init(name: "baru", dailyCaps: [50, 100, 1000])],
                                       sending: Self.sending(delay: 1, dailyCap: 1000), averageDelay: 1, coldCapApplies: true, now: now)
        #expect(warmUp.days.map(\.total) == [50, 100, 250])
        #expect(warmUp.lines(english: true).contains { $0.contains("baru is newly linked: warm-up caps from today 50 → 100 → 1,000") })
    }
}

@Suite("Cold daily caps on a manual clock")
struct ColdCapTests {
    func run(dryRun: Bool, warmIndex: Int? = nil) async throws -> (RecordingTransport, PipelineHarness) {
        var harness = try PipelineHarness()
        harness.configuration.sending = CampaignPlanTests.sending(delay: 10, cold: 3, dryRun: dryRun)
        let start = PacingTests.date("2026-11-25 09:00")
        if let warmIndex {
            // This contact wrote to us last week: warm, outside the cold cap.
            try await harness.database.recordReply(phone: "62813\(String(format: "%08d", warmIndex))", session: "utama", messageId: "in-1",
                                                   text: "Halo", at: start.addingTimeInterval(-7 * 86_400), isOptOut: false)
        }
        let transport = try await PacingTests().run(harness, clock: ManualClock(start), count: 8)
        return (transport, harness)
    }

    /// Sends per local day, in order.
    func perDay(_ transport: RecordingTransport) -> [Int] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = PacingTests.jakarta
        var counts: [Date: Int] = [:]
        for send in transport.sends.withLock({ $0 }) { counts[calendar.startOfDay(for: send.at), default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map(\.value)
    }

    @Test("cold contacts: three a day per session, as the plan in preview.txt said; the finish is on the planned day")
    func holdsBack() async throws {
        let (transport, harness) = try await run(dryRun: false)
        #expect(perDay(transport) == [3, 3, 2])
        let preview = try String(contentsOfFile: harness.path("outbox/c/preview.txt"), encoding: .utf8)
        #expect(preview.contains("8 messages to send: 0 warm (wrote to us within 30 days), 8 cold."), "\(preview)")
        #expect(preview.contains("2026-11-25: utama 3 (3 cold)") && preview.contains("2026-11-27: utama 2 (2 cold)"), "\(preview)")
        #expect(preview.contains("Rencana (perkiraan; waktu Asia/Jakarta):"))
        // The plan counts days from the window's opening; the caps roll over 24 hours, so the last send is
        // on the planned day, a little after the planned time.
        let last = try #require(transport.sends.withLock { $0.last?.at })
        #expect(last >= PacingTests.date("2026-11-27 08:00") && last < PacingTests.date("2026-11-27 20:00"))
    }

    @Test("a warm contact is not held back by the cold cap")
    func warmPasses() async throws {
        let (transport, _) = try await run(dryRun: false, warmIndex: 3)
        #expect(perDay(transport) == [4, 3, 1])
        #expect(transport.sends.withLock { $0[3].phone } == "6281300000003")
    }

    @Test("a dry-run is a rehearsal: the cold cap is ignored, and its plan says so")
    func dryRunIgnores() async throws {
        let (transport, harness) = try await run(dryRun: true)
        #expect(perDay(transport) == [8])
        let preview = try String(contentsOfFile: harness.path("outbox/c/preview.txt"), encoding: .utf8)
        // The rehearsal's plan still shows the days real sending would take.
        #expect(preview.contains("Dry-run: this rehearsal ignores the cold cap and finishes sooner"))
        #expect(preview.contains("2026-11-27: utama 2 (2 cold)"), "\(preview)")
    }
}
