import Dashboard
import Foundation
import Logging
@testable import Siaran
import SiaranTestSupport
import Store
import Testing
import Transport
import WhatsApp
import WhatsAppSimulator

/// A number linked from one worker's dashboard on a cluster: it connects under that worker's
/// lease from its first frame, another worker's dashboard is told who holds it, and when the
/// first worker dies the number moves to a live worker that never ran it (opened from the
/// database when its lease arrives) and sends from there.
@Suite("Cluster: numbers linked from the dashboard", .serialized)
struct ClusterLinkingTests {
    static let number = "6281100000031"
    static let customer = "6281200000032"
    static let quiet = Logger(label: "cluster-linking") { _ in SwiftLogNoOpLogHandler() }

    /// One worker's view: its leases, its session storage fenced by them, its transport and its dashboard control.
    struct Worker {
        let id: String
        let leases = HeldLeases()
        let transport = WhatsAppTransport(sessions: [])
        let board = SessionBoard()
        let storages: SessionStorages
        let open: @Sendable (String) async throws -> WhatsAppSession
        let control: WhatsAppSessionControl
        let feeder: Task<Void, Never>

        init(_ id: String, database: SiaranDatabase, configuration: SessionConfiguration, sessionsDirectory: String) async {
            self.id = id
            let leases = leases
            storages = SessionStorages.forInstallation(sessionsDirectory: sessionsDirectory, database: database,
                                                       fence: { session in leases.lease(of: session).map { LeaseFence(worker: id, fencing: $0.fencing) } })
            let storages = storages
            open = { name in try await WhatsAppSession(storage: try await storages.storage(for: name), configuration: configuration) }
            let taker = SessionLeaseTaker(database: database, worker: id, duration: 10, leases: leases)
            control = WhatsAppSessionControl(transport: transport, board: board, sessionsRoot: URL(fileURLWithPath: sessionsDirectory),
                                             firstCodeWait: .seconds(60), takeLease: { name in try await taker.take(name) }, open: open)
            let transport = transport, board = board
            feeder = Task { for await (name, event) in transport.sessionEvents { await board.record(name, event) } }
            await transport.start(only: [])
        }
    }

    @Test("linked under a lease, refused elsewhere while held, taken over by a worker that never ran it", .timeLimit(.minutes(3)))
    func linkAndTakeOver() async throws {
        let test = try await TestDatabase.make(.postgres)
        defer { test.remove() }
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: Self.number), SimulatedAccount(phone: Self.customer)])
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cluster-link-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        configuration.backoffStep = 0.2
        configuration.ackTimeout = .seconds(20)
        configuration.sendWaitForConnection = .seconds(60)
        configuration.noticesFolder = scratch.appendingPathComponent("outbox/sessions")
        let sessions = scratch.appendingPathComponent("sessions").path

        let a = await Worker("a", database: test.database, configuration: configuration, sessionsDirectory: sessions)
        let b = await Worker("b", database: test.database, configuration: configuration, sessionsDirectory: sessions)
        // a beats (renews what it holds); it takes nothing by itself here, only what its dashboard takes.
        let aMembership = ClusterMembershipService(database: test.database, settings: ClusterSettings(leaseSeconds: 10, workerId: "a"),
                                                   logger: Self.quiet, leases: a.leases)
        let aBeats = Task { try await aMembership.run() }
        var membership: Task<Void, any Error>?
        var service: Task<Void, any Error>?
        func close() async {
            aBeats.cancel()
            membership?.cancel()
            await a.transport.stop()
            await b.transport.stop()
            _ = try? await service?.value
            _ = try? await membership?.value
            a.feeder.cancel()
            b.feeder.cancel()
            await simulator.stop()
        }
        do {
            // Worker a links a new number by pairing code: the lease is a's before the first frame.
            let linking = try await a.control.connect(session: "baru", pairingPhone: Self.number)
            #expect(a.leases.lease(of: "baru")?.fencing == 1)
            let code = try #require(linking.pairingCode, "connect should answer with the pairing code: \(linking)")
            try await simulator.enterPairingCode(code, phone: Self.number)
            #expect(await eventually(timeout: .seconds(60)) { await a.transport.session("baru")?.state == .connected })
            #expect(try await DatabaseSessionStorage.linkedSessions(in: test.database) == ["baru"], "its keys are in the database")

            // Worker b's dashboard may not link it meanwhile: it says who holds it.
            do {
                _ = try await b.control.connect(session: "baru", pairingPhone: nil)
                Issue.record("b connected a number a holds")
            } catch let error as DashboardError {
                #expect(error.code == .conflict && error.message.contains("worker a"), "\(error)")
            }
            #expect(b.transport.session("baru") == nil, "b opened nothing")

            // a dies (no leave, no release): b's membership finds the linked number in the database
            // and takes its lease once a's runs out; b's WhatsApp service opens it there.
            aBeats.cancel()
            _ = try? await aBeats.value
            await a.transport.stop()
            let (changes, continuation) = AsyncStream.makeStream(of: ClusterMembershipService.LeaseChange.self)
            let bMembership = ClusterMembershipService(database: test.database, settings: ClusterSettings(leaseSeconds: 10, workerId: "b"),
                                                       logger: Self.quiet, leases: b.leases, sessions: [],
                                                       linkedSessions: { try await b.storages.linkedNames() }, changes: continuation)
            membership = Task { try await bMembership.run() }
            let bService = WhatsAppService(transport: b.transport, database: test.database, logger: Self.quiet, board: b.board,
                                           leaseChanges: changes, open: b.open)
            service = Task { try await bService.run() }
            #expect(await eventually(timeout: .seconds(90)) { await b.transport.session("baru")?.state == .connected })
            #expect(b.leases.lease(of: "baru")?.fencing == 2, "a take-over adds one to the fencing counter")
            let sent = await b.transport.send(OutgoingMessage(id: "3EB0CAFE0000000000000001", phone: Self.customer, text: "Dari pekerja b",
                                                              session: "baru", campaignId: "c"))
            guard case .sent = sent else { Issue.record("b could not send: \(sent)"); await close(); return }
            #expect(await eventually { await simulator.decryptedMessages.contains { $0.senderPhone == Self.number && $0.text == "Dari pekerja b" } })
        } catch {
            await close()
            throw error
        }
        await close()
    }
}
