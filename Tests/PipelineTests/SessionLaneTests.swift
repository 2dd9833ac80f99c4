import Foundation
import Pipeline
import SiaranTestSupport
import Store
import Synchronization
import Testing
import Transport

/// Records each send by the manual clock; sessions can go away after some sends, a number can be
/// linked while the campaign runs, and something can happen at the n-th send (a CANCEL file, a
/// cancelled task).
final class LaneTransport: MessageTransport, Sendable {
    let clock: ManualClock
    let sends = Mutex<[(id: String, phone: String, session: String, at: Date)]>([])
    let events: AsyncStream<TransportEvent> = AsyncStream { _ in }
    /// A session is not available any more after this many sends of its own.
    let goneAfter: [String: Int]
    private let running: Mutex<[String]>
    /// Linked as a new running session after this many sends in all.
    let linkAfter: (sends: Int, session: String)?
    let atSend = Mutex<(count: Int, action: @Sendable () -> Void)?>(nil)

    init(clock: ManualClock, running: [String] = [], goneAfter: [String: Int] = [:], linkAfter: (sends: Int, session: String)? = nil) {
        self.clock = clock
        self.running = Mutex(running)
        self.goneAfter = goneAfter
        self.linkAfter = linkAfter
    }

    func sessionNames() async -> [String] { running.withLock { $0 } }

    func isAvailable(session: String) async -> Bool {
        guard let limit = goneAfter[session] else { return true }
        return sends.withLock { $0.filter { $0.session == session }.count } < limit
    }

    func send(_ message: OutgoingMessage) async -> SendResult {
        let now = clock.now()
        let count = sends.withLock { $0.append((message.id, message.phone, message.session, now)); return $0.count }
        if let linkAfter, count == linkAfter.sends { running.withLock { $0.append(linkAfter.session) } }
        if let action = atSend.withLock({ $0 }), action.count == count { action.action() }
        return .sent(at: now)
    }

    func times(of session: String) -> [Date] { sends.withLock { $0.filter { $0.session == session }.map(\.at) } }
}

/// The task a transport cancels from inside a send.
final class RunningTask: Sendable {
    let task = Mutex<Task<CampaignRunner.Progress, any Error>?>(nil)
}

@Suite("Sessions send on their own lanes")
struct SessionLaneTests {
    static let start = PacingTests.date("2026-11-25 09:00")

    /// Drops a campaign `name` with `count` contacts (numbers from `first`) and takes it.
    func campaign(_ harness: PipelineHarness, _ name: String, count: Int, first: Int = 0, except: Set<String> = []) async throws -> CampaignRecord {
        let numbers = (0..<count).map { "62813\(String(format: "%08d", first + $0))" }.joined(separator: "\n")
        try harness.drop("\(name)/numbers.txt", numbers)
        try harness.drop("\(name)/message.txt", "Halo")
        try harness.backdate(harness.path("inbox/\(name)"), by: 5)
        return try #require(try await harness.takeDrops(except: except).first)
    }

    func context(_ harness: PipelineHarness, _ transport: LaneTransport, sessions: [String]) -> PipelineContext {
        var context = harness.context
        context.transport = transport
        context.clock = transport.clock
        context.sessions = sessions
        return context
    }

    func gaps(_ times: [Date]) -> [Double] { zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) } }

    func expectEachOnce(_ transport: LaneTransport, _ harness: PipelineHarness, _ campaign: CampaignRecord, count: Int) async throws {
        let ids = transport.sends.withLock { $0.map(\.id) }
        #expect(ids.count == count && Set(ids).count == count, "\(ids.count) sends, \(Set(ids).count) different")
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sent == count && counts.sending == 0 && counts.pending == 0, "\(counts)")
    }

    @Test("two sessions with delays of 10–20 s: each keeps its own gaps, and the campaign goes about twice as fast as one could")
    func ownPacing() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 10
        harness.configuration.sending.delayMaximum = 20
        let transport = LaneTransport(clock: ManualClock(Self.start))
        let campaign = try await campaign(harness, "c", count: 40)
        _ = try await CampaignRunner(context: context(harness, transport, sessions: ["a", "b"])).run(campaign.id)
        try await expectEachOnce(transport, harness, campaign, count: 40)
        for session in ["a", "b"] {
            let times = transport.times(of: session)
            #expect(times.count >= 15, "\(session) sent only \(times.count)")
            #expect(gaps(times).allSatisfy { (9.999...20.001).contains($0) }, "\(session): \(gaps(times))")
        }
        // One session would need at least 39 gaps of 10 s; two side by side need about half of 40 × 15 s.
        let all = transport.sends.withLock { $0.map(\.at) }
        let took = try #require(all.max()).timeIntervalSince(try #require(all.min()))
        #expect(took < 39 * 10, "took \(took) s")
    }

    @Test("each session keeps to its hourly cap while the others go on")
    func hourlyCapPerSession() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 10
        harness.configuration.sending.delayMaximum = 20
        harness.configuration.sending.hourlyCap = 4
        let transport = LaneTransport(clock: ManualClock(Self.start))
        let campaign = try await campaign(harness, "c", count: 12)
        _ = try await CampaignRunner(context: context(harness, transport, sessions: ["a", "b"])).run(campaign.id)
        try await expectEachOnce(transport, harness, campaign, count: 12)
        for session in ["a", "b"] {
            let times = transport.times(of: session)
            for (index, time) in times.enumerated() where index >= 4 {
                #expect(time.timeIntervalSince(times[index - 4]) >= 3600, "\(session) sent more than 4 in an hour: \(times)")
            }
        }
        let firstHour = transport.sends.withLock { $0.filter { $0.at < Self.start.addingTimeInterval(3600) } }
        #expect(firstHour.count == 8, "both sessions use their whole first hour: \(firstHour.map(\.session))")
    }

    @Test("campaign B after campaign A on the same session waits the delay from A's last send, also on a worker that just took the session over",
          arguments: [false, true])
    func pacingAcrossCampaigns(takenOver: Bool) async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 30
        harness.configuration.sending.delayMaximum = 30
        let transport = LaneTransport(clock: ManualClock(Self.start))
        let first = try await campaign(harness, "a", count: 2)
        let context = context(harness, transport, sessions: ["utama"])
        _ = try await CampaignRunner(context: context).run(first.id)
        let second = try await campaign(harness, "b", count: 2, first: 100, except: [first.id])
        var next = context
        // Another worker (or a restarted one) knows the session's last send only from the database.
        if takenOver { next.sessionPacing = SessionPacing() }
        _ = try await CampaignRunner(context: next).run(second.id)
        let times = transport.times(of: "utama")
        #expect(times.count == 4)
        #expect(gaps(times).allSatisfy { $0 >= 29.99 }, "\(gaps(times))")
    }

    @Test("a session that goes away mid-campaign hands its share to the others, and one linked meanwhile joins; nothing goes twice")
    func sessionsComeAndGo() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.delayMinimum = 5
        harness.configuration.sending.delayMaximum = 5
        let transport = LaneTransport(clock: ManualClock(Self.start), goneAfter: ["b": 3], linkAfter: (sends: 8, session: "baru"))
        let campaign = try await campaign(harness, "c", count: 30)
        _ = try await CampaignRunner(context: context(harness, transport, sessions: ["a", "b"])).run(campaign.id)
        try await expectEachOnce(transport, harness, campaign, count: 30)
        #expect(transport.times(of: "b").count == 3, "b sent after it went away")
        #expect(!transport.times(of: "baru").isEmpty, "the number linked while running took no share")
    }

    @Test("CANCEL mid-campaign stops every lane: nothing left sending, nothing sent twice, every send recorded")
    func cancelFile() async throws {
        let harness = try PipelineHarness()
        let transport = LaneTransport(clock: ManualClock(Self.start))
        let campaign = try await campaign(harness, "c", count: 600)
        let cancelFile = harness.path("outbox/\(campaign.folderName)/CANCEL")
        transport.atSend.withLock { $0 = (count: 100, action: { _ = FileManager.default.createFile(atPath: cancelFile, contents: nil) }) }
        let progress = try await CampaignRunner(context: context(harness, transport, sessions: ["a", "b", "c"])).run(campaign.id)
        #expect(progress == .finished(.cancelled))
        try await expectSettled(transport, harness, campaign, total: 600)
    }

    @Test("cancelling the task that sends settles every lane: what went out is recorded, what was claimed is pending again")
    func cancelTask() async throws {
        let harness = try PipelineHarness()
        let transport = LaneTransport(clock: ManualClock(Self.start))
        let campaign = try await campaign(harness, "c", count: 600)
        let runner = CampaignRunner(context: context(harness, transport, sessions: ["a", "b", "c"]))
        let running = RunningTask()
        transport.atSend.withLock { $0 = (count: 100, action: { running.task.withLock { $0?.cancel() } }) }
        let task = Task { try await runner.run(campaign.id) }
        running.task.withLock { $0 = task }
        let progress = try await task.value
        #expect(progress == .interrupted)
        try await expectSettled(transport, harness, campaign, total: 600)
    }

    @Test("a worker frozen between claiming a group and writing it writes nothing once its lease ran out: the rest stays `sending` for the new owner")
    func frozenPastLease() async throws {
        let harness = try PipelineHarness()
        let clock = ManualClock(Self.start)
        let transport = LaneTransport(clock: clock)
        let campaign = try await campaign(harness, "c", count: 200)
        // The lease, as this worker's last heartbeat left it, runs to one minute in.
        let expiry = Self.start.addingTimeInterval(60)
        let held = try #require(try await harness.database.acquireSessionLease(session: "a", worker: "w", at: Date(), duration: 3600))
        var context = context(harness, transport, sessions: ["a"])
        context.leaseValid = { _, now in now < expiry }
        // Past it, the heartbeat has learnt the lease is lost: the fence no longer holds in the database.
        context.leaseFence = { _ in LeaseFence(worker: "w", fencing: clock.now() < expiry ? held.fencing : 0) }
        // The process stops for two minutes right after its tenth write, in the middle of a claimed group.
        transport.atSend.withLock { $0 = (count: 10, action: { clock.jump(by: 120) }) }

        let runner = CampaignRunner(context: context)
        let task = Task { try await runner.run(campaign.id) }
        // The lane goes on looking, every 5 s, for a lease it no longer holds.
        let waited = await eventually(timeout: .seconds(120)) { clock.elapsed >= 300 }
        task.cancel()
        #expect(waited, "the lane stopped looking for its lease")
        #expect(try await task.value == .interrupted)

        let sends = transport.sends.withLock { $0 }
        #expect(sends.count == 10, "\(sends.count) messages written, \(sends.filter { $0.at >= expiry }.count) of them after the lease ran out")
        #expect(sends.allSatisfy { $0.at < expiry })
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sent == 10 && counts.failed == 0, "\(counts)")
        #expect(counts.sending > 0 && counts.sent + counts.sending + counts.pending == 200,
                "claimed and not written: still `sending`, for the session's new owner to send under the same ids: \(counts)")
    }

    func expectSettled(_ transport: LaneTransport, _ harness: PipelineHarness, _ campaign: CampaignRecord, total: Int) async throws {
        let ids = transport.sends.withLock { $0.map(\.id) }
        #expect(Set(ids).count == ids.count, "a message went twice")
        #expect(ids.count >= 100 && ids.count < total, "\(ids.count) sends")
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sending == 0, "left sending: \(counts)")
        #expect(counts.sent == ids.count, "on the wire but not recorded: \(counts) for \(ids.count) sends")
        #expect(counts.pending == total - ids.count, "\(counts)")
    }
}
