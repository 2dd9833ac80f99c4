import Foundation
import Logging
import Pipeline
import Store
import Synchronization
import Testing
import Transport

/// Sends by a manual clock and moves that clock by the given amount right after the n-th send,
/// as a wall clock that jumps under a running daemon.
final class JumpingTransport: MessageTransport, Sendable {
    let clock: ManualClock
    let jumps: [Int: TimeInterval]
    let sends = Mutex<[(phone: String, id: String, at: Date)]>([])
    let events: AsyncStream<TransportEvent> = AsyncStream { _ in }

    init(clock: ManualClock, jumps: [Int: TimeInterval]) {
        self.clock = clock
        self.jumps = jumps
    }

    func send(_ message: OutgoingMessage) async -> SendResult {
        let now = clock.now()
        let count = sends.withLock { $0.append((message.phone, message.id, now)); return $0.count }
        if let jump = jumps[count] { clock.jump(by: jump) }
        return .sent(at: now)
    }
}

/// The wall clock jumps forward two hours and back one while a campaign sends. Shown on the
/// pipeline with a manual clock (the daemon reads time through the same `PipelineClock`; a real
/// clock cannot be moved under a test without moving it for the whole machine): the sending
/// window and the caps are judged by the clock as it reads at each send, a cap never lets more
/// through after a jump back, and `send_at` neither fires early after a jump back nor resends after one.
@Suite("Pipeline: the wall clock jumps")
struct ClockJumpTests {
    static let jakarta = PacingTests.jakarta

    private func prepare(_ harness: PipelineHarness, count: Int, options: String? = nil) async throws -> CampaignRecord {
        let numbers = (0..<count).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
        try harness.drop("c/numbers.txt", numbers)
        try harness.drop("c/message.txt", "Halo")
        if let options { try harness.drop("c/campaign.yaml", options) }
        try harness.backdate(harness.path("inbox/c"), by: 5)
        return try #require(try await harness.takeDrops().first)
    }

    private func context(_ harness: PipelineHarness, _ clock: ManualClock, _ transport: JumpingTransport) -> PipelineContext {
        var context = harness.context
        context.transport = transport
        context.clock = clock
        context.sessions = ["utama"]
        return context
    }

    private func minuteOfDay(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.jakarta
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    @Test("window 08:00-20:00: after a jump forward sending stops at 20:00; after a jump back to 07:xx it waits for 08:00; each contact once")
    func window() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.window = SendingWindow(parsing: "08:00-20:00")!
        harness.configuration.sending.delayMinimum = 60
        harness.configuration.sending.delayMaximum = 60
        let campaign = try await prepare(harness, count: 20)
        let clock = ManualClock(PacingTests.date("2026-11-25 17:50"))
        // Forward 2 h after the 3rd send (17:52 → 19:52); back 1 h after the 12th, sent at 08:00
        // the next morning (→ 07:00, outside the window again).
        let transport = JumpingTransport(clock: clock, jumps: [3: 7200, 12: -3600])
        _ = try await CampaignRunner(context: context(harness, clock, transport)).run(campaign.id)
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 20)
        #expect(Set(sends.map(\.phone)).count == 20 && Set(sends.map(\.id)).count == 20, "each contact once")
        for send in sends {
            #expect((480..<1200).contains(minuteOfDay(send.at)), "sent at \(send.at) by the clock, outside 08:00-20:00")
        }
        // After the jump forward: sends up to 19:59, then the rest wait for the morning.
        #expect(sends[3].at >= PacingTests.date("2026-11-25 19:52"))
        #expect(sends[3..<10].allSatisfy { $0.at < PacingTests.date("2026-11-25 20:00") })
        #expect(sends[10].at >= PacingTests.date("2026-11-26 08:00"), "\(sends[10].at)")
        // After the jump back to 07:0x: the 13th waits for 08:00 again.
        #expect(sends[12].at >= PacingTests.date("2026-11-26 08:00") && sends[12].at < PacingTests.date("2026-11-26 08:02"), "\(sends[12].at)")
    }

    @Test("hourly cap 3: a jump back holds the session until the clock is an hour past the sends it already made; a jump forward frees it")
    func caps() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.hourlyCap = 3
        harness.configuration.sending.dailyCap = 0
        harness.configuration.sending.delayMinimum = 1
        harness.configuration.sending.delayMaximum = 1
        let campaign = try await prepare(harness, count: 10)
        let clock = ManualClock(PacingTests.date("2026-11-25 09:00"))
        let transport = JumpingTransport(clock: clock, jumps: [3: -3600, 6: 7200])
        _ = try await CampaignRunner(context: context(harness, clock, transport)).run(campaign.id)
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 10 && Set(sends.map(\.id)).count == 10)
        // Back an hour after three sends: none more until the clock passes them by an hour (it
        // counts what was recorded "in the future" too, so the cap is never exceeded).
        #expect(sends[3].at.timeIntervalSince(sends[2].at) >= 3600, "\(sends[2].at) → \(sends[3].at)")
        // Forward two hours after six: the three of the last hour are now two hours old.
        #expect(sends[6].at.timeIntervalSince(sends[5].at) < 7200 + 10, "no wait beyond the jump itself: \(sends[5].at) → \(sends[6].at)")
        #expect(sends[8].at.timeIntervalSince(sends[6].at) < 10, "three go at once after it")
        #expect(sends[9].at.timeIntervalSince(sends[6].at) >= 3600, "cap holds again after the jump")
    }

    @Test("send_at 10:30: a jump back keeps it waiting, a jump past it starts it, a jump back after sending resends nothing")
    func sendAt() async throws {
        let harness = try PipelineHarness()
        let campaign = try await prepare(harness, count: 5, options: "send_at: \"2026-11-25 10:30\"\ntimezone: Asia/Jakarta\n")
        let clock = ManualClock(PacingTests.date("2026-11-25 09:00"))
        let transport = JumpingTransport(clock: clock, jumps: [:])
        let runner = CampaignRunner(context: context(harness, clock, transport))
        guard case .scheduled = try await runner.run(campaign.id, waitForTime: false) else { Issue.record("not scheduled at 09:00"); return }
        clock.jump(by: -3600)  // 08:00
        guard case .scheduled = try await runner.run(campaign.id, waitForTime: false) else { Issue.record("started early after a jump back"); return }
        clock.jump(by: 7200)  // 10:00: still before send_at
        guard case .scheduled = try await runner.run(campaign.id, waitForTime: false) else { Issue.record("started before send_at"); return }
        #expect(transport.sends.withLock { $0.isEmpty })
        clock.jump(by: 7200)  // 12:00: past send_at
        let progress = try await runner.run(campaign.id, waitForTime: false)
        #expect(progress == .finished(.done))
        clock.jump(by: -3600)  // 11:00, after it finished
        _ = try await runner.run(campaign.id, waitForTime: false)
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 5 && Set(sends.map(\.id)).count == 5, "each contact once")
        #expect(sends.allSatisfy { $0.at >= PacingTests.date("2026-11-25 10:30") })
    }
}
