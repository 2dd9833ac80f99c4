import Foundation
@testable import Siaran
import SiaranTestSupport
import Store
import Testing
import Transport
import WhatsApp
import WhatsAppSimulator

/// A session whose whole state is in the database links and sends through the simulator; after
/// a restart (a new session object over the same rows) it goes on sending and receiving with the
/// ratchets it left, and nothing of it is on disk.
@Suite("WhatsApp session state in the database, against the simulator", .serialized)
struct DatabaseSessionSimulatorTests {
    static let sender = "6281100000021"
    static let customer = "6281200000022"

    @Test("links, sends, restarts and goes on with the same keys", .timeLimit(.minutes(3)), arguments: TestDatabaseKind.allCases)
    func linkSendRestart(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let simulator = try await WhatsAppSimulator.start(accounts: [
            SimulatedAccount(phone: Self.sender),
            SimulatedAccount(phone: Self.customer, phoneDevices: [0, 2], behaviour: .init(reply: "Masih ada?", replyDelayMilliseconds: 50)),
        ])
        let notices = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-dbsim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: notices) }
        var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        configuration.backoffStep = 0.2
        configuration.ackTimeout = .seconds(20)
        configuration.noticesFolder = notices

        // Link by QR with the state in the database.
        let first = try await WhatsAppSession(storage: try await DatabaseSessionStorage.open(name: "utama", database: test.database), configuration: configuration)
        let events = EventLog()
        let firstEvents = Task { for await event in first.events { await events.append(event) } }
        await first.start()
        let qr = try #require(await events.wait { if case .qrCode(let text, _) = $0 { text } else { nil } })
        try await simulator.scanQR(qr, phone: Self.sender)
        #expect(await events.wait { $0 == .connected ? true : nil } == true)
        let id1 = "3EB0" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(18)
        let sent = await first.send(OutgoingMessage(id: String(id1), phone: Self.customer, text: "Halo dari database", session: "utama", campaignId: "c"))
        guard case .sent = sent else { Issue.record("not sent: \(sent)"); await first.stop(); await simulator.stop(); return }
        #expect(await eventually { await simulator.decryptedMessages.filter { $0.text == "Halo dari database" && $0.recipientPhone == Self.customer }.count == 2 })
        #expect(await events.wait { if case .incoming(Self.customer, _, "Masih ada?", _) = $0 { true } else { nil } } == true)
        await first.stop()
        firstEvents.cancel()
        #expect(try await DatabaseSessionStorage.linkedSessions(in: test.database) == ["utama"])

        // Restart: a new storage and session object over the same rows.
        let second = try await WhatsAppSession(storage: try await DatabaseSessionStorage.open(name: "utama", database: test.database), configuration: configuration)
        let secondLog = EventLog()
        let secondEvents = Task { for await event in second.events { await secondLog.append(event) } }
        #expect(await second.isLinked)
        await second.start()
        #expect(await second.waitUntilConnected(timeout: .seconds(60)))
        let id2 = "3EB0" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(18)
        let again = await second.send(OutgoingMessage(id: String(id2), phone: Self.customer, text: "Setelah restart", session: "utama", campaignId: "c"))
        guard case .sent = again else { Issue.record("not sent after the restart: \(again)"); await second.stop(); await simulator.stop(); return }
        #expect(await eventually { await simulator.decryptedMessages.filter { $0.text == "Setelah restart" && $0.recipientPhone == Self.customer }.count == 2 })
        // The customer's next message decrypts with the ratchet the first object left behind.
        await simulator.sendText("Oke, saya pesan", from: Self.customer, to: Self.sender)
        #expect(await secondLog.wait { if case .incoming(Self.customer, _, "Oke, saya pesan", _) = $0 { true } else { nil } } == true)
        await second.stop()
        secondEvents.cancel()
        await simulator.stop()
    }

    /// The privacy token we issue to a new contact is answered after the message's ack; its record
    /// is not needed before any frame, so it waits for the next send's transaction (one commit per
    /// message instead of two), and a stop writes what is still waiting.
    @Test("the record of a privacy token issued after a send is committed with the next send, and at stop",
          .timeLimit(.minutes(3)), arguments: TestDatabaseKind.allCases)
    func issuedTokenRidesInNextSend(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let customers = ["6281200000031", "6281200000032"]
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: Self.sender)] + customers.map { SimulatedAccount(phone: $0) })
        let notices = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-dbsim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: notices) }
        var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        configuration.ackTimeout = .seconds(20)
        configuration.noticesFolder = notices
        let session = try await WhatsAppSession(storage: try await DatabaseSessionStorage.open(name: "utama", database: test.database), configuration: configuration)
        let events = EventLog()
        let reader = Task { for await event in session.events { await events.append(event) } }
        await session.start()
        let qr = try #require(await events.wait { if case .qrCode(let text, _) = $0 { text } else { nil } })
        try await simulator.scanQR(qr, phone: Self.sender)
        #expect(await events.wait { $0 == .connected ? true : nil } == true)

        /// Token-issue records the database holds, as a fresh storage reads them.
        func issuedInDatabase() async throws -> Int {
            try await DatabaseSessionStorage.open(name: "utama", database: test.database).loadContactRecords().filter { $0.kind == .tokenIssued }.count
        }
        for (index, customer) in customers.enumerated() {
            let result = await session.send(OutgoingMessage(id: "3EB0TOKEN\(index)", phone: customer, text: "Promo \(index)", session: "utama", campaignId: "c"))
            guard case .sent = result else { Issue.record("not sent: \(result)"); break }
            // The token issued after this send's ack waits; the one before it came with this send.
            #expect(try await issuedInDatabase() == index, "after send \(index + 1)")
        }
        await session.stop()
        #expect(try await issuedInDatabase() == customers.count, "the token still waiting is written at stop")
        reader.cancel()
        await simulator.stop()
    }
}

/// Session events in arrival order, awaited with a generous ceiling.
actor EventLog {
    private var events: [SessionEvent] = []

    func append(_ event: SessionEvent) { events.append(event) }

    func wait<T: Sendable>(timeout: Duration = .seconds(60), _ match: @Sendable (SessionEvent) -> T?) async -> T? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = events.lazy.compactMap(match).first { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
