import Foundation
import SiaranTestSupport
import Testing
@testable import WhatsAppSimulator

/// whatsmeow (inside PyPI neonize) links to a simulated phone by QR code, restarts after 515,
/// logs in with its new identity, uploads prekeys and becomes active — against our simulator.
@Suite("Simulator with whatsmeow", .serialized)
struct WhatsmeowLinkingTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("QR linking, 515 restart, login, prekey upload and active", .timeLimit(.minutes(3)))
    func qrLinking() async throws {
        let phone = "6281234567890"
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: phone)])
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("neonize-link-\(UUID())")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workdir) }

        let client = try NeonizeClient(port: simulator.url.port!, rootKey: simulator.rootKey.raw, workdir: workdir)
        defer { client.stop() }
        let output = client.output

        // The phone scans the first QR code whatsmeow shows.
        var qr: String?
        for await line in lines(of: output) where line.hasPrefix("QR ") {
            qr = String(line.dropFirst(3))
            break
        }
        let code = try #require(qr)
        #expect(code.hasPrefix("https://wa.me/settings/linked_devices#"))
        try await simulator.scanQR(code, phone: phone)

        var seen: [SimulatorEvent] = []
        for await event in simulator.events {
            seen.append(event)
            if case .becameActive = event { break }
            if case .refused(let reason) = event { Issue.record("refused: \(reason)") }
            if case .lossyDecode(let node) = event { Issue.record("whatsmeow's node did not re-encode identically: \(node)") }
        }
        #expect(seen.contains(.paired(phone: phone, deviceId: 1)))
        #expect(seen.contains(.loggedIn(phone: phone, deviceId: 1)))
        #expect(seen.contains(.preKeysUploaded(phone: phone, deviceId: 1, count: 812)))
        #expect(seen.contains(.becameActive(phone: phone, deviceId: 1)))
        let companion = try #require(await simulator.companion(phone: phone, deviceId: 1))
        #expect(companion.preKeys.count == 812)
        // What whatsmeow sent that the simulator does not handle yet, for the record.
        let gaps = seen.compactMap { if case .unhandled(let what) = $0 { what } else { nil } }
        print("simulator gaps seen with whatsmeow: \(gaps)")
        await simulator.stop()
    }
}
