import Dashboard
import Foundation
@testable import Siaran
import SiaranTestSupport
import Testing
import Transport
import WhatsApp
import WhatsAppSimulator

/// The dashboard's session control over real sessions and the simulator: link by QR, log out,
/// link the same name again, and add a new number by pairing code while the transport runs.
@Suite("Dashboard session control against the simulator", .serialized)
struct SessionControlTests {
    static let first = "6281100000011"
    static let second = "6281100000012"
    static let customer = "6281200000013"

    /// A running transport with the daemon's wiring: session events feed the board.
    struct Rig {
        let simulator: WhatsAppSimulator
        let root: URL
        let transport: WhatsAppTransport
        let control: WhatsAppSessionControl
        let feeder: Task<Void, Never>

        init() async throws {
            simulator = try await WhatsAppSimulator.start(accounts: [
                SimulatedAccount(phone: SessionControlTests.first), SimulatedAccount(phone: SessionControlTests.second),
                SimulatedAccount(phone: SessionControlTests.customer),
            ])
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-control-\(UUID().uuidString)/sessions")
            self.root = root
            var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
            configuration.backoffStep = 0.2
            configuration.ackTimeout = .seconds(20)
            configuration.sendWaitForConnection = .seconds(60)
            configuration.noticesFolder = root.deletingLastPathComponent().appendingPathComponent("outbox/sessions")
            let settings = configuration
            let open: @Sendable (String) async throws -> WhatsAppSession = { name in
                try await WhatsAppSession(name: name, root: root, configuration: settings)
            }
            transport = WhatsAppTransport(sessions: [try await open("utama")])
            let board = SessionBoard()
            control = WhatsAppSessionControl(transport: transport, board: board, sessionsRoot: root, firstCodeWait: .seconds(60), open: open)
            let transport = transport
            feeder = Task { for await (name, event) in transport.sessionEvents { await board.record(name, event) } }
            await transport.start()
        }

        func snapshot(_ name: String) async -> SessionSnapshot? { await control.sessions().first { $0.name == name } }

        func waitFor(_ name: String, state: String) async -> Bool {
            await eventually(timeout: .seconds(60)) { await snapshot(name)?.state == state }
        }

        func send(_ text: String, via session: String) async -> SendResult {
            let id = "3EB0" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(18)
            return await transport.send(OutgoingMessage(id: String(id), phone: SessionControlTests.customer, text: text, session: session, campaignId: "c"))
        }

        func close() async {
            await transport.stop()
            feeder.cancel()
            await simulator.stop()
            try? FileManager.default.removeItem(at: root.deletingLastPathComponent())
        }
    }

    @Test("QR link, logout, link again under the same name, and a second number by code", .timeLimit(.minutes(3)))
    func lifecycle() async throws {
        let rig = try await Rig()
        do {
            // Link the configured session by scanning the QR the control hands out.
            let linking = try await rig.control.connect(session: "utama", pairingPhone: nil)
            let qr = try #require(linking.qr, "connect should answer with the QR to show: \(linking)")
            #expect(linking.qrModules?.isEmpty == false)
            try await rig.simulator.scanQR(qr, phone: Self.first)
            #expect(await rig.waitFor("utama", state: "connected"))
            #expect(await rig.snapshot("utama")?.phone == Self.first)
            guard case .sent = await rig.send("sebelum logout", via: "utama") else { Issue.record("first send failed"); return }

            // Log out: the device unlinks itself, its keys are deleted, the pipeline stops using it.
            try await rig.control.disconnect(session: "utama")
            #expect(await rig.snapshot("utama")?.state == "logged-out")
            #expect(await rig.simulator.companion(phone: Self.first, deviceId: 1) == nil)
            #expect(!FileManager.default.fileExists(atPath: rig.root.appendingPathComponent("utama/creds.json").path))
            #expect(await rig.transport.isAvailable(session: "utama") == false)

            // Link the same name again: a fresh session object and identity.
            let again = try await rig.control.connect(session: "utama", pairingPhone: nil)
            let secondQR = try #require(again.qr, "a logged-out session should show a new QR: \(again)")
            #expect(secondQR != qr)
            try await rig.simulator.scanQR(secondQR, phone: Self.first)
            #expect(await rig.waitFor("utama", state: "connected"))
            guard case .sent = await rig.send("setelah link ulang", via: "utama") else { Issue.record("send after relink failed"); return }

            // A new number by pairing code, while everything runs; campaigns see it at once.
            let added = try await rig.control.connect(session: "kedua", pairingPhone: Self.second)
            let code = try #require(added.pairingCode, "connect should answer with the pairing code: \(added)")
            try await rig.simulator.enterPairingCode(code, phone: Self.second)
            #expect(await rig.waitFor("kedua", state: "connected"))
            #expect(await rig.transport.sessionNames() == ["kedua", "utama"])
            guard case .sent = await rig.send("dari nomor kedua", via: "kedua") else { Issue.record("send via kedua failed"); return }
            #expect(await eventually { await rig.simulator.decryptedMessages.contains { $0.senderPhone == Self.second && $0.recipientPhone == Self.customer } })
            // The next start opens both folders, though only `utama` is configured.
            #expect(try await SessionStorages(sessionsDirectory: rig.root.path, database: nil).linkedNames() == ["kedua", "utama"])

            // Connecting a linked session changes nothing; bad names are refused.
            #expect(try await rig.control.connect(session: "kedua", pairingPhone: nil).state == "connected")
            await #expect(throws: DashboardError.self) { _ = try await rig.control.connect(session: "../etc", pairingPhone: nil) }
        } catch {
            await rig.close()
            throw error
        }
        await rig.close()
    }
}
