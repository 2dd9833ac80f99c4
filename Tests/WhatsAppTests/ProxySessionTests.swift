import Crypto
import Foundation
import SiaranTestSupport
import Testing
import Transport
import WASocket
@testable import WhatsApp
import WhatsAppSimulator

/// A session whose number is configured with a proxy links, sends and uploads media only through
/// it (the test proxy on loopback counts its tunnels), and says so plainly when the proxy turns it away.
/// Also: a session against a simulator that accepts permessage-deflate.
@Suite("WhatsApp sessions through a proxy", .serialized)
struct ProxySessionTests {
    static let sender = "6281100000101"
    static let recipient = "6281200000102"

    @Test("a session links, sends and uploads its image through each kind of proxy", .timeLimit(.minutes(3)),
          arguments: [("socks5h", TestProxy.Kind.socks5), ("socks5", .socks5), ("http", .http)])
    func throughProxy(scheme: String, kind: TestProxy.Kind) async throws {
        let proxy = try await TestProxy.start(kind, user: "agen", password: "rahasia")
        let configuration = try ProxyConfiguration(url: proxy.url(scheme: scheme, user: "agen", password: "rahasia"))
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)],
                                               proxy: configuration)
        let session = try await harness.linkedSession(phone: Self.sender)
        let simulatorAddress = "127.0.0.1:\(harness.simulator.url.port!)"
        // Linking is one connection, then the reconnect after pairing (515): each a tunnel.
        let linked = try await proxy.report().tunnels
        #expect(!linked.isEmpty && linked.allSatisfy { $0.target == simulatorAddress })

        let image = harness.root.appendingPathComponent("promo.jpg")
        let bytes = Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try bytes.write(to: image)
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let media = MediaAttachment(path: image.path, sha256: hash, mimetype: "image/jpeg", width: 800, height: 600, jpegThumbnail: Data([0xFF, 0xD8, 0xFF, 0xD9]))
        let before = try await proxy.report().tunnels.count
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Lewat proxy", media: media,
                                                        session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); await harness.close(session); return }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.text == "Lewat proxy" && $0.imageSHA256 == hash } })
        // The upload was a tunnel of its own to the simulator's media host.
        let after = try await proxy.report()
        #expect(after.tunnels.count > before)
        #expect(after.tunnels.allSatisfy { $0.target == simulatorAddress })
        #expect(after.authFailures == 0)
        await harness.close(session)
    }

    @Test("a wrong proxy password keeps the session from connecting, and says so without the password", .timeLimit(.minutes(3)))
    func wrongPassword() async throws {
        let proxy = try await TestProxy.start(.socks5, user: "agen", password: "rahasia")
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender)],
                                               proxy: try ProxyConfiguration(url: proxy.url(scheme: "socks5h", user: "agen", password: "keliru-sekali")))
        let session = try await harness.session()
        await session.start()
        let reason = try await harness.recorder.first(timeout: .seconds(60)) { if case .disconnected(let reason, _) = $0 { reason } else { nil } }
        #expect(reason.contains("proxy authentication failed"))
        #expect(reason.contains("socks5h://agen:***@127.0.0.1:\(proxy.port)"))
        #expect(!reason.contains("keliru-sekali"))
        #expect(try await proxy.report().tunnels.isEmpty)
        await harness.close(session)
    }

    @Test("with a server that accepts permessage-deflate, a session links and sends over compressed frames", .timeLimit(.minutes(3)))
    func compressed() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)],
                                               perMessageDeflate: true)
        let session = try await harness.linkedSession(phone: Self.sender)
        #expect(await harness.simulator.compressedConnections >= 1)
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Dikompres", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); await harness.close(session); return }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.text == "Dikompres" } })
        await harness.close(session)
    }
}
