import Foundation
import Logging
import Pipeline
import Store
import Synchronization
import Testing
import Transport

/// Records when (by the manual clock) and through which session each message went.
final class RecordingTransport: MessageTransport, Sendable {
    let clock: ManualClock
    let sends = Mutex<[(id: String, phone: String, session: String, at: Date)]>([])
    let events: AsyncStream<TransportEvent>
    /// Sessions the transport says it runs (as when a number is linked from the dashboard).
    let running: [String]

    init(clock: ManualClock, running: [String] = []) {
        self.clock = clock
        self.running = running
        events = AsyncStream { _ in }
    }

    func sessionNames() async -> [String] { running }

    func send(_ message: OutgoingMessage) async -> SendResult {
        let now = clock.now()
        sends.withLock { $0.append((message.id, message.phone, message.session, now)) }
        return .sent(at: now)
    }
}

@Suite("Pacing with an injected clock")
struct PacingTests {
    static let jakarta = TimeZone(identifier: "Asia/Jakarta")!

    static func date(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = jakarta
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    func run(_ harness: PipelineHarness, clock: ManualClock, sessions: [String] = ["utama"], running: [String] = [],
             count: Int) async throws -> RecordingTransport {
        let numbers = (0..<count).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
        try harness.drop("c/numbers.txt", numbers)
        try harness.drop("c/message.txt", "Halo")
        try harness.backdate(harness.path("inbox/c"), by: 5)
        let transport = RecordingTransport(clock: clock, running: running)
        var context = harness.context
        context.transport = transport
        // The drop is taken by real file times; sending then runs on the manual clock.
        let campaign = try #require(try await harness.takeDrops().first)
        context.clock = clock
        context.sessions = sessions
        _ = try await CampaignRunner(context: context).run(campaign.id)
        return transport
    }

    @Test("nothing is sent outside the window; sending starts when it opens, in the configured time zone")
    func window() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.window = SendingWindow(parsing: "08:00-20:00")!
        harness.configuration.sending.delayMinimum = 60
        harness.configuration.sending.delayMaximum = 60
        let clock = ManualClock(Self.date("2026-11-25 19:58"))
        let transport = try await run(harness, clock: clock, count: 5)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.jakarta
        let times = transport.sends.withLock { $0.map(\.at) }
        #expect(times.count == 5)
        for time in times {
            let hour = calendar.component(.hour, from: time)
            #expect((8..<20).contains(hour), "sent at \(time)")
        }
        // Two fit before 20:00; the rest wait for 08:00 the next morning.
        #expect(times.filter { $0 < Self.date("2026-11-25 20:00") }.count == 2)
        #expect(times.filter { $0 >= Self.date("2026-11-26 08:00") }.count == 3)
    }

    @Test("the random delay stays within min and max")
    func delays() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 3
        harness.configuration.sending.delayMaximum = 6
        let clock = ManualClock(Self.date("2026-11-25 09:00"))
        let transport = try await run(harness, clock: clock, count: 30)
        let times = transport.sends.withLock { $0.map(\.at) }
        let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
        #expect(gaps.allSatisfy { (3.0...6.001).contains($0) }, "\(gaps)")
        #expect(Set(gaps.map { Int($0 * 10) }).count > 3, "delays should vary")
    }

    @Test("hourly caps hold each session back; several sessions share the campaign, each on its own lane")
    func caps() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.hourlyCap = 3
        harness.configuration.sending.dailyCap = 100
        harness.configuration.sending.delayMinimum = 1
        harness.configuration.sending.delayMaximum = 1
        let start = Self.date("2026-11-25 09:00")
        let clock = ManualClock(start)
        let transport = try await run(harness, clock: clock, sessions: ["utama", "cadangan"], count: 10)
        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 10)
        #expect(Set(sends.map(\.id)).count == 10, "a message went twice")
        // Side by side, the two sessions send their three each within the first hour.
        let firstHour = sends.filter { $0.at < start.addingTimeInterval(3600) }
        #expect(firstHour.count == 6 && Set(firstHour.map(\.session)) == ["utama", "cadangan"], "\(firstHour.map(\.session))")
        for session in ["utama", "cadangan"] {
            let times = sends.filter { $0.session == session }.map(\.at)
            for (index, time) in times.enumerated() where index >= 3 {
                #expect(time.timeIntervalSince(times[index - 3]) >= 3600, "\(session) sent more than 3 in an hour")
            }
            let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
            #expect(gaps.allSatisfy { $0 >= 1 }, "\(session) did not wait its delay: \(gaps)")
        }
    }
}

extension PacingTests {
    @Test("a number the transport linked while running shares a campaign that names no sessions")
    func runtimeSession() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 1
        harness.configuration.sending.delayMaximum = 1
        let clock = ManualClock(Self.date("2026-11-25 09:00"))
        let transport = try await run(harness, clock: clock, sessions: ["utama"], running: ["baru", "utama"], count: 6)
        let sessions = transport.sends.withLock { $0.map(\.session) }
        // Each lane sends at every second of virtual time: three each.
        #expect(sessions.filter { $0 == "utama" }.count == 3 && sessions.filter { $0 == "baru" }.count == 3, "\(sessions)")
    }
}

@Suite("Warm-up of newly linked numbers")
struct WarmUpTests {
    @Test("a session linked today sends at most the first warm-up cap per day")
    func warmUp() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.dailyCap = 1000
        harness.configuration.sending.warmUpDailyCaps = [4, 8]
        harness.configuration.sending.delayMinimum = 10
        harness.configuration.sending.delayMaximum = 10
        let start = PacingTests.date("2026-11-25 09:00")
        try await harness.database.recordLinkedSession("utama", phone: "6281234567890", at: start)
        let clock = ManualClock(start)
        let transport = try await PacingTests().run(harness, clock: clock, count: 10)
        let times = transport.sends.withLock { $0.map(\.at) }
        #expect(times.count == 10)
        #expect(times.filter { $0 < start.addingTimeInterval(86_400) }.count == 4, "day 1 is capped at 4")
    }
}
