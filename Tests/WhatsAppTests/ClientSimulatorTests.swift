import Crypto
import Foundation
import SiaranTestSupport
import Testing
import Transport
import WABinary
@testable import WhatsApp
import WhatsAppSimulator

/// Siaran's client against the simulator: linking, sending, receipts and replies, end to end.
@Suite("WhatsApp client with the simulator", .serialized)
struct ClientSimulatorTests {
    static let sender = "6281100000001"
    static let recipient = "6281200000002"

    @Test("links by QR, sends text to every device, hears delivery, read and a reply", .timeLimit(.minutes(3)))
    func linkAndSendText() async throws {
        let harness = try await SessionHarness(accounts: [
            SimulatedAccount(phone: Self.sender),
            SimulatedAccount(phone: Self.recipient, phoneDevices: [0, 3], behaviour: .init(reads: true, reply: "Berapa harganya?")),
        ])
        let session = try await harness.linkedSession(phone: Self.sender)
        #expect(await session.phone == Self.sender)

        let id = SessionHarness.messageID()
        let result = await session.send(OutgoingMessage(id: id, phone: Self.recipient, text: "Halo Kak, promo hari ini 🎉", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); return }

        // Both recipient devices and the sender's own phone decrypted exactly the text.
        #expect(await eventually { await harness.simulator.decryptedMessages.count == 3 })
        let got = await harness.simulator.decryptedMessages
        #expect(Set(got.map { "\($0.recipientPhone):\($0.recipientDevice)" }) == ["\(Self.recipient):0", "\(Self.recipient):3", "\(Self.sender):0"])
        #expect(got.allSatisfy { $0.text == "Halo Kak, promo hari ini 🎉" && $0.messageId == id })
        #expect(got.first { $0.recipientPhone == Self.sender }?.deviceSent == true)

        _ = try await harness.recorder.first(timeout: .seconds(60)) { if case .delivered(id, _) = $0 { true } else { nil } }
        _ = try await harness.recorder.first(timeout: .seconds(60)) { if case .read(id, _) = $0 { true } else { nil } }
        let reply = try await harness.recorder.first(timeout: .seconds(60)) { if case .incoming(let phone, _, let text, _) = $0 { (phone, text) } else { nil } }
        #expect(reply.0 == Self.recipient && reply.1 == "Berapa harganya?")

        // A second message rides the established sessions (no prekey message, no device-identity).
        let second = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Kedua", session: "utama", campaignId: "c1"))
        guard case .sent = second else { Issue.record("second not sent: \(second)"); return }
        #expect(await eventually { await harness.simulator.decryptedMessages.filter { $0.text == "Kedua" }.count == 3 })
        await harness.close(session)
    }

    @Test("an unregistered number fails with not-on-whatsapp and is not sent", .timeLimit(.minutes(3)))
    func unregistered() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender)])
        let session = try await harness.linkedSession(phone: Self.sender)
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: "6289999999999", text: "x", session: "utama", campaignId: "c1"))
        #expect(result == .permanentFailure(reason: "not-on-whatsapp"))
        #expect(await harness.simulator.acceptedMessages.isEmpty)
        await harness.close(session)
    }

    @Test("an image is uploaded once, and every device downloads and decrypts the same bytes", .timeLimit(.minutes(3)))
    func image() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient),
                                                          SimulatedAccount(phone: "6281300000003")])
        let session = try await harness.linkedSession(phone: Self.sender)
        let image = harness.root.appendingPathComponent("promo.jpg")
        let bytes = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: image)
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let media = MediaAttachment(path: image.path, sha256: hash, mimetype: "image/jpeg", width: 800, height: 600, jpegThumbnail: Data([0xFF, 0xD8, 0xFF, 0xD9]))
        for phone in [Self.recipient, "6281300000003"] {
            let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: phone, text: "Diskon 50%", media: media, session: "utama", campaignId: "c1"))
            guard case .sent = result else { Issue.record("not sent: \(result)"); return }
        }
        #expect(await eventually { await harness.simulator.decryptedMessages.count == 4 })
        let got = await harness.simulator.decryptedMessages
        #expect(got.allSatisfy { $0.imageSHA256 == hash && $0.text == "Diskon 50%" })
        await harness.close(session)
    }

    @Test("a device added mid-campaign gets the next message", .timeLimit(.minutes(3)))
    func deviceAdded() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let session = try await harness.linkedSession(phone: Self.sender)
        _ = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "satu", session: "utama", campaignId: "c1"))
        let added = try #require(await harness.simulator.addDevice(phone: Self.recipient))
        let id = SessionHarness.messageID()
        let result = await session.send(OutgoingMessage(id: id, phone: Self.recipient, text: "dua", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); return }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.messageId == id && $0.recipientDevice == added } })
        await harness.close(session)
    }
}
