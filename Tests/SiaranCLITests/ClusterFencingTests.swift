import Foundation
import SiaranTestSupport
import Store
import Testing
import WhatsAppSimulator

/// A worker frozen (SIGSTOP) past its lease while it sends: the other worker takes the session
/// over and sends; woken (SIGCONT), the frozen worker sends nothing more on its connection, gives
/// the session up and disconnects it. The simulator tells the two workers' connections apart.
///
/// A message the frozen worker had already claimed: before it hands the message to the transport
/// the send stage checks the lease's expiry against the clock (`PipelineContext.leaseValid`), so a
/// worker that wakes past its lease sends no frame of it at all (no number check, no typing
/// presence); its key writes before the frame (the sent message record, the ratchet of each
/// device) are fenced too, so a freeze before the last of them commits ends in a refused write
/// and no frame. A freeze after that commit and before the socket write lets that one frame out
/// on waking, under the message's own id, which the new owner sends too (the phone keeps one).
@Suite("Cluster: a frozen worker is fenced", .serialized)
struct ClusterFencingTests {
    @Test("SIGSTOP past the lease, take-over, SIGCONT: nothing from the stale worker after the take-over, and it disconnects",
          .timeLimit(.minutes(6)))
    func frozenWorker() async throws {
        let phones = ClusterProcesses.recipients(60, prefix: "62814")
        // Paced, so the campaign is still sending when the lease moves (a paced loop claims one message at a time).
        let cluster = try await ClusterProcesses.start(sessions: 1, recipients: phones, leaseSeconds: 5, delay: (0.1, 0.2))
        defer { cluster.stopAll() }
        let simulator = cluster.simulator
        let session = cluster.sessions[0].name, phone = cluster.sessions[0].phone

        let stale = try cluster.startWorker("w1")
        #expect(await eventually(timeout: .seconds(120)) { await cluster.sessions(heldBy: "w1") == [session] }, "w1 took the session\n\(cluster.logs())")
        try cluster.startWorker("w2")
        try cluster.drop("pagar", phones: phones, text: "Halo {name|Kak}, promo pagar!")

        @Sendable func sends(on connection: Int?) async -> [AcceptedMessage] {
            await simulator.acceptedMessages.filter { $0.senderPhone == phone && $0.connection == connection }
        }
        // w1 sends on its connection (the only one of this number open now).
        try #require(await eventually(timeout: .seconds(150)) { await simulator.acceptedMessages.count >= 5 }, "w1 sends\n\(cluster.logs())")
        let staleConnection = try #require(await simulator.connectionLog.values.filter { $0.phone == phone && $0.closedAt == nil }
            .max { $0.loggedInAt < $1.loggedInAt }?.connection)

        stale.kill(SIGSTOP, group: true)
        let frozenAt = Date()
        // w2 takes the session over once the lease ran out, connects it and sends.
        #expect(await eventually(timeout: .seconds(90)) { await cluster.sessions(heldBy: "w2") == [session] }, "w2 took over\n\(cluster.logs())")
        @Sendable func newConnections() async -> [ConnectionRecord] {
            await simulator.connectionLog.values.filter { $0.phone == phone && $0.loggedInAt > frozenAt }.sorted { $0.loggedInAt < $1.loggedInAt }
        }
        #expect(await eventually(timeout: .seconds(90)) {
            guard let owner = await newConnections().first else { return false }
            return await sends(on: owner.connection).count >= 3
        }, "w2 sends on its own connection\n\(cluster.logs())")
        let takeOver = try #require(await newConnections().first)
        let staleBeforeWake = await sends(on: staleConnection).count

        stale.kill(SIGCONT, group: true)
        let wokenAt = Date()
        // It hears at its next beat that the lease is gone, and disconnects the number.
        #expect(await eventually(timeout: .seconds(60)) { await simulator.connectionLog[staleConnection]?.closedAt != nil },
                "the stale worker disconnected\n\(cluster.log(of: "w1").suffix(3000))")
        #expect(await eventually(timeout: .seconds(180)) { Set(await simulator.acceptedMessages.map(\.recipientPhone)).count >= phones.count },
                "the campaign reached everyone\n\(cluster.logs())")

        let staleSends = await sends(on: staleConnection)
        let afterTakeOver = staleSends.filter { $0.at >= takeOver.loggedInAt }
        #expect(afterTakeOver.isEmpty, "the stale worker sent \(afterTakeOver.map(\.id)) after the take-over")
        #expect(staleSends.count == staleBeforeWake, "the stale worker sent \(staleSends.count - staleBeforeWake) messages after it woke")
        #expect(cluster.log(of: "w1").contains("lost the lease on session \(session)"), "w1 says it lost the lease")
        // It does not connect the number again: the only logins since the freeze are w2's.
        let loginsSinceWake = await simulator.connectionLog.values.filter { $0.phone == phone && $0.loggedInAt > wokenAt }
        #expect(loginsSinceWake.isEmpty, "the number logged in again after the stale worker woke: \(loginsSinceWake)")
        #expect(await cluster.sessions(heldBy: "w2") == [session])
        let ids = await ClusterDelivery(simulator).ids(from: [phone])
        #expect(ids.values.allSatisfy { $0.count == 1 }, "no contact got two message ids")
        print(String(format: "cluster fencing: frozen %.1f s until the take-over connected; the stale worker sent %d before its freeze and none after",
                     takeOver.loggedInAt.timeIntervalSince(frozenAt), staleBeforeWake))
    }
}
