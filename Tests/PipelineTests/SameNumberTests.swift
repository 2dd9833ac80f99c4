import Foundation
import Pipeline
import SiaranTestSupport
import Store
import Testing
import Transport

@Suite("Each contact hears from the number that wrote to them last")
struct SameNumberTests {
    static let start = PacingTests.date("2026-11-25 09:00")

    /// A harness sending for real (not a rehearsal: a dry-run's sends are no one's history).
    func harness(delays: ClosedRange<Double> = 0...0) throws -> PipelineHarness {
        var harness = try PipelineHarness()
        harness.configuration.sending.transport = .whatsapp
        harness.configuration.sending.delayMinimum = delays.lowerBound
        harness.configuration.sending.delayMaximum = delays.upperBound
        return harness
    }

    func send(_ harness: PipelineHarness, _ name: String, contacts: Range<Int>, sessions: [String],
              transport: LaneTransport) async throws -> CampaignRecord {
        let numbers = contacts.map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
        try harness.drop("\(name)/numbers.txt", numbers)
        try harness.drop("\(name)/message.txt", "Halo dari \(name)")
        let campaign = try #require(try await harness.takeDrops().first)
        var context = harness.context
        context.transport = transport
        context.clock = transport.clock
        context.sessions = sessions
        _ = try await CampaignRunner(context: context).run(campaign.id)
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sent == contacts.count && counts.pending == 0 && counts.sending == 0, "\(name): \(counts)")
        return campaign
    }

    /// Who sent each phone its message, for the sends from `index` on.
    func senders(_ transport: LaneTransport, from index: Int = 0) -> [String: String] {
        Dictionary(transport.sends.withLock { $0.dropFirst(index).map { ($0.phone, $0.session) } }, uniquingKeysWith: { first, _ in first })
    }

    @Test("a second campaign to the same list: every contact gets it from the number that sent them the first, new contacts from any")
    func secondCampaignKeepsNumbers() async throws {
        let harness = try harness(delays: 1...3)
        let transport = LaneTransport(clock: ManualClock(Self.start))
        _ = try await send(harness, "minggu-1", contacts: 0..<30, sessions: ["a", "b", "c"], transport: transport)
        let first = senders(transport)
        #expect(Set(first.values) == ["a", "b", "c"], "the first campaign spreads over the three numbers: \(first)")

        let before = transport.sends.withLock { $0.count }
        // The same 30 contacts in another order of lanes' readiness, and 9 new ones.
        _ = try await send(harness, "minggu-2", contacts: 0..<39, sessions: ["a", "b", "c"], transport: transport)
        let second = senders(transport, from: before)
        #expect(second.count == 39)
        let moved = first.filter { phone, session in second[phone] != session }
        #expect(moved.isEmpty, "contacts that heard from another number this time: \(moved.map { "\($0.key): \($0.value) → \(second[$0.key] ?? "-")" })")
        let newContacts = second.filter { first[$0.key] == nil }
        #expect(newContacts.count == 9)
        #expect(Set(newContacts.values).count >= 2, "new contacts go to whichever number is free: \(newContacts)")
    }

    @Test("a number that cannot send leaves its contacts to the others at once, and a rehearsal is no one's history")
    func unavailableNumberGivesWay() async throws {
        let harness = try harness()
        let clock = ManualClock(Self.start)
        let transport = LaneTransport(clock: clock)
        _ = try await send(harness, "pertama", contacts: 0..<20, sessions: ["a", "b"], transport: transport)
        let first = senders(transport)
        #expect(first.values.contains("b"), "b sent some of the first campaign: \(first)")

        // b is away: a sends b's contacts too, without waiting out the patience.
        let away = LaneTransport(clock: clock, goneAfter: ["b": 0])
        _ = try await send(harness, "kedua", contacts: 0..<20, sessions: ["a", "b"], transport: away)
        #expect(Set(senders(away).values) == ["a"])
        let took = clock.now().timeIntervalSince(Self.start)
        #expect(took < SameNumberTests.patienceBound, "the campaign waited \(took) s for a number that was away")

        // A dry-run through b alone sends nothing: the contacts still belong to a.
        var rehearsal = harness
        rehearsal.configuration.sending.transport = .dryRun
        _ = try await send(rehearsal, "latihan", contacts: 0..<20, sessions: ["b"], transport: LaneTransport(clock: clock))
        let both = LaneTransport(clock: clock)
        _ = try await send(harness, "ketiga", contacts: 0..<20, sessions: ["a", "b"], transport: both)
        #expect(Set(senders(both).values) == ["a"], "\(senders(both))")
    }

    /// Far below `SameNumber.patience` (30 minutes): a wait for an absent number would show.
    static let patienceBound: TimeInterval = 10 * 60

}
