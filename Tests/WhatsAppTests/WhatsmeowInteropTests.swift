import Crypto
import Foundation
import NIOSSL
import SiaranTestSupport
import Testing
import Transport
@testable import WhatsApp
import WhatsAppSimulator

/// Siaran and whatsmeow — the Go library other WhatsApp tools use, compiled inside PyPI neonize —
/// on the same simulated network: each decrypts what the other sends.
@Suite("Interop with whatsmeow through the simulator", .serialized)
struct WhatsmeowInteropTests {
    static let sender = "6281100000001"
    static let recipient = "6281200000002"

    @Test("whatsmeow on the recipient's account decrypts Siaran's message and its reply reaches Siaran; whatsmeow on Siaran's own account gets the device-sent copy",
          .timeLimit(.minutes(5)))
    func textBothWays() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        // whatsmeow links to the recipient's account, another whatsmeow to Siaran's own account.
        let recipientPeer = try WhatsmeowPeer(simulator: harness.simulator)
        defer { recipientPeer.stop() }
        try await harness.simulator.scanQR(try await recipientPeer.line("QR "), phone: Self.recipient)
        _ = try await recipientPeer.line("CONNECTED")
        let session = try await harness.linkedSession(phone: Self.sender)
        let ownPeer = try WhatsmeowPeer(simulator: harness.simulator)
        defer { ownPeer.stop() }
        try await harness.simulator.scanQR(try await ownPeer.line("QR "), phone: Self.sender)
        _ = try await ownPeer.line("CONNECTED")

        let id = SessionHarness.messageID()
        let result = await session.send(OutgoingMessage(id: id, phone: Self.recipient, text: "Halo dari Siaran ☕", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); return }
        let received = try JSONSerialization.jsonObject(with: Data(try await recipientPeer.line("MESSAGE ").utf8)) as? [String: Any]
        #expect(received?["id"] as? String == id)
        #expect(received?["text"] as? String == "Halo dari Siaran ☕")
        #expect(received?["from_me"] as? Bool == false)
        let copy = try JSONSerialization.jsonObject(with: Data(try await ownPeer.line("MESSAGE ").utf8)) as? [String: Any]
        #expect(copy?["id"] as? String == id)
        #expect(copy?["text"] as? String == "Halo dari Siaran ☕")
        #expect(copy?["from_me"] as? Bool == true)

        // whatsmeow answers; Siaran decrypts it and counts it as a reply from the recipient's number.
        recipientPeer.command("send \(Self.sender) Berapa harganya?")
        let reply = try await harness.recorder.first(timeout: .seconds(120)) { if case .incoming(let phone, _, let text, _) = $0 { (phone, text) } else { nil } }
        #expect(reply.0 == Self.recipient)
        #expect(reply.1 == "Berapa harganya?")
        let gaps = await harness.simulator.unhandledSoFar()
        print("whatsmeow nodes the simulator does not handle: \(gaps)")
        await harness.close(session)
    }

    @Test("whatsmeow links with a pairing code typed on the simulated phone", .timeLimit(.minutes(5)))
    func pairingCode() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.recipient)])
        let peer = try WhatsmeowPeer(simulator: harness.simulator)
        defer { peer.stop() }
        _ = try await peer.line("QR ")
        peer.command("pair \(Self.recipient)")
        let code = try await peer.line("CODE ")
        try await harness.simulator.enterPairingCode(code, phone: Self.recipient)
        _ = try await peer.line("CONNECTED", timeout: .seconds(120))
        #expect(await harness.simulator.companion(phone: Self.recipient, deviceId: 1) != nil)
        await harness.close()
    }
}

@Suite("Interop with whatsmeow: images", .serialized)
struct WhatsmeowImageTests {
    @Test("whatsmeow on the recipient's account downloads and decrypts the image Siaran sends, hash-equal", .timeLimit(.minutes(5)))
    func image() async throws {
        // whatsmeow fetches media over HTTPS only: the simulator also serves it with a test certificate
        // that whatsmeow trusts through SSL_CERT_FILE.
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("wa-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificates) }
        let made = try await runProgram(packageRoot.appendingPathComponent(".venv/bin/python"),
                                        [packageRoot.appendingPathComponent("Tests/WASocketTests/Interop/make_tls_certificate.py").path, certificates.path])
        #expect(made.status == 0, "\(made.errorText)")
        let certificate = try #require(try NIOSSLCertificate.fromPEMFile(certificates.appendingPathComponent("cert.pem").path).first)
        let key = try NIOSSLPrivateKey(file: certificates.appendingPathComponent("key.pem").path, format: .pem)
        let tls = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))

        let sender = WhatsmeowInteropTests.sender, recipient = WhatsmeowInteropTests.recipient
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: sender), SimulatedAccount(phone: recipient)], mediaTLS: tls)
        let peer = try WhatsmeowPeer(simulator: harness.simulator, environment: ["SSL_CERT_FILE": certificates.appendingPathComponent("cert.pem").path])
        defer { peer.stop() }
        try await harness.simulator.scanQR(try await peer.line("QR "), phone: recipient)
        _ = try await peer.line("CONNECTED")
        let session = try await harness.linkedSession(phone: sender)

        let image = harness.root.appendingPathComponent("promo.jpg")
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        try Data(contentsOf: packageRoot.appendingPathComponent("promo.jpg")).write(to: image)
        let bytes = try Data(contentsOf: image)
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let media = MediaAttachment(path: image.path, sha256: hash, mimetype: "image/jpeg", width: 2000, height: 2000)
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: recipient, text: "Promo!", media: media,
                                                        session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); return }
        let received = try JSONSerialization.jsonObject(with: Data(try await peer.line("MESSAGE ").utf8)) as? [String: Any]
        #expect(received?["text"] as? String == "Promo!")
        #expect(received?["image_sha256"] as? String == hash, "whatsmeow: \(received?["image_error"] ?? "no error")")
        await harness.close(session)
    }
}
