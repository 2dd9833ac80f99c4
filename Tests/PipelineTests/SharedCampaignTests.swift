import Foundation
import Pipeline
import SiaranTestSupport
import Store
import Synchronization
import Testing
import Transport

/// Two workers of a cluster sending one campaign through different numbers: claims are exclusive,
/// so every contact gets exactly one message, whoever sent it, and neither worker calls the
/// campaign over while the other still has messages on the wire. (A message left `sending` under a
/// number no live worker holds is another's to send again: `ClusterTests` covers the lease side.)
@Suite("Two workers send one campaign")
struct SharedCampaignTests {
    /// Records every id it sends, a few milliseconds each (so the two workers overlap).
    final class SlowRecordingTransport: MessageTransport, Sendable {
        let sent = Mutex<[String]>([])
        let events: AsyncStream<TransportEvent> = AsyncStream { _ in }

        func send(_ message: OutgoingMessage) async -> SendResult {
            try? await Task.sleep(for: .milliseconds(2))
            sent.withLock { $0.append(message.id) }
            return .sent(at: Date())
        }
    }

    @Test("each message goes once though both workers send the campaign at the same time", arguments: TestDatabaseKind.allCases)
    func eachMessageOnce(_ kind: TestDatabaseKind) async throws {
        let contacts = 400
        let harness = try await PipelineHarness(kind)
        try harness.drop("bersama/numbers.txt", (0..<contacts).map { "62812\(String(format: "%08d", 7000 + $0))" }.joined(separator: "\n"))
        try harness.drop("bersama/message.txt", "Halo!")
        let first = SlowRecordingTransport(), second = SlowRecordingTransport()
        // Each worker holds the lease of its number, as the cluster's membership gives them.
        let leaseA = try #require(try await harness.database.acquireSessionLease(session: "utama", worker: "worker-a", at: Date(), duration: 600))
        let leaseB = try #require(try await harness.database.acquireSessionLease(session: "cadangan", worker: "worker-b", at: Date(), duration: 600))
        var workerA = harness.context, workerB = harness.context
        workerA.transport = first
        workerA.sessions = ["utama"]
        workerA.leaseFence = { _ in LeaseFence(worker: "worker-a", fencing: leaseA.fencing) }
        workerB.transport = second
        workerB.sessions = ["cadangan"]
        workerB.leaseFence = { _ in LeaseFence(worker: "worker-b", fencing: leaseB.fencing) }

        // Worker A takes the drop, prepares the campaign and starts sending.
        let runA = Task { [workerA] in try await PipelineService(context: workerA, once: true).run() }
        #expect(await eventually(timeout: .seconds(120)) { first.sent.withLock { $0.count } >= 20 }, "worker A never started sending")
        let campaign = try #require(try await harness.campaigns().first)
        // Worker B joins the same campaign while A is at it.
        let runB = Task { [workerB] in try await CampaignRunner(context: workerB).run(campaign.id) }
        try await runA.value
        _ = try await runB.value

        let ids = first.sent.withLock { $0 } + second.sent.withLock { $0 }
        #expect(ids.count == contacts, "\(ids.count) sends for \(contacts) contacts")
        #expect(Set(ids).count == ids.count, "a message went twice")
        #expect(!second.sent.withLock { $0.isEmpty }, "worker B took part")
        let counts = try await harness.database.messageCounts(of: campaign.id)
        #expect(counts.sent == contacts && counts.sending == 0, "\(counts)")
    }
}
