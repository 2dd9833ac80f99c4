import Foundation
import SiaranTestSupport
import SignalProtocol
import Testing
import Transport
import WABinary
import WAProto
@testable import WhatsApp
import WhatsAppSimulator

/// The simulator refuses message stanzas the real servers would refuse, with the ack error they
/// give (479 for malformed or stale stanzas), and records why.
@Suite("Simulator strictness: message stanzas", .serialized)
struct MessageStrictnessTests {
    static let sender = "6281100000001"
    static let recipient = "6281200000002"

    /// Sends a hand-made stanza over a linked session's live connection and returns the ack.
    func sendRaw(_ stanza: Node, id: String, session: WhatsAppSession) async throws -> Node {
        let connection = try #require(await session.connection)
        return try await connection.sendMessage(stanza, id: id, timeout: .seconds(30))
    }

    func rejection(_ harness: SessionHarness, id: String) async -> String? {
        await harness.simulator.rejectionReasons[id]
    }

    @Test("missing devices, a prekey message without device-identity, a bad enc and an unknown type are refused with 479",
          .timeLimit(.minutes(3)))
    func refusals() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender),
                                                          SimulatedAccount(phone: Self.recipient, phoneDevices: [0, 2])])
        let session = try await harness.linkedSession(phone: Self.sender)
        guard case .sent = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "pertama",
                                                              session: "utama", campaignId: "c")) else { Issue.record("first send failed"); return }
        let lid = try #require(await session.directory.lidByPhone[Self.recipient])
        let chat = JID(user: lid, server: JID.Server.lid)
        let enc = Node("enc", [("v", .string("2")), ("type", .string("msg"))], content: .bytes(Array(repeating: 0x33, count: 40)))

        // Only one of the recipient's two devices (and not the sender's phone): a stale device list.
        var id = SessionHarness.messageID()
        var stanza = Node("message", [("id", .string(id)), ("to", .jid(chat)), ("type", .string("text"))], content: .nodes([
            Node("participants", content: .nodes([Node("to", [("jid", .jid(JID(user: lid, server: JID.Server.lid, device: 0)))], content: .nodes([enc]))])),
        ]))
        var ack = try await sendRaw(stanza, id: id, session: session)
        #expect(ack.string("error") == "479")
        #expect(ack.string("phash")?.hasPrefix("2:") == true, "the refusal carries the server's device-list hash")
        #expect(await rejection(harness, id: id)?.contains("stale device list") == true)

        // Every device, but a pkmsg without <device-identity>.
        let ownLID = try #require(await session.credentials.lidJID.flatMap(JID.init(parsing:)))
        func participants(_ enc: Node) -> Node {
            Node("participants", content: .nodes([
                Node("to", [("jid", .jid(JID(user: lid, server: JID.Server.lid, device: 0)))], content: .nodes([enc])),
                Node("to", [("jid", .jid(JID(user: lid, server: JID.Server.lid, device: 2)))], content: .nodes([enc])),
                Node("to", [("jid", .jid(JID(user: ownLID.user, server: JID.Server.lid, device: 0)))], content: .nodes([enc])),
            ]))
        }
        id = SessionHarness.messageID()
        let pkmsg = Node("enc", [("v", .string("2")), ("type", .string("pkmsg"))], content: .bytes(Array(repeating: 0x33, count: 40)))
        stanza = Node("message", [("id", .string(id)), ("to", .jid(chat)), ("type", .string("text"))], content: .nodes([participants(pkmsg)]))
        ack = try await sendRaw(stanza, id: id, session: session)
        #expect(ack.string("error") == "479")
        #expect(await rejection(harness, id: id)?.contains("device-identity") == true)

        // A pkmsg whose <device-identity> signature was tampered with, after the real one was
        // accepted (the simulator remembers identities it verified: never one that differs).
        var identity = try WAAdv_ADVSignedDeviceIdentity(serializedBytes: try #require(await session.credentials.account))
        identity.accountSignature[5] ^= 1
        id = SessionHarness.messageID()
        stanza = Node("message", [("id", .string(id)), ("to", .jid(chat)), ("type", .string("text"))], content: .nodes([
            participants(pkmsg), Node("device-identity", content: .bytes([UInt8](try identity.serializedData()))),
        ]))
        ack = try await sendRaw(stanza, id: id, session: session)
        #expect(ack.string("error") == "479")
        #expect(await rejection(harness, id: id)?.contains("signature does not verify") == true)

        // An enc of another version.
        id = SessionHarness.messageID()
        let v3 = Node("enc", [("v", .string("3")), ("type", .string("msg"))], content: .bytes(Array(repeating: 0x33, count: 40)))
        stanza = Node("message", [("id", .string(id)), ("to", .jid(chat)), ("type", .string("text"))], content: .nodes([participants(v3)]))
        ack = try await sendRaw(stanza, id: id, session: session)
        #expect(ack.string("error") == "479")

        // An unknown message type.
        id = SessionHarness.messageID()
        stanza = Node("message", [("id", .string(id)), ("to", .jid(chat)), ("type", .string("bogus"))], content: .nodes([participants(enc)]))
        ack = try await sendRaw(stanza, id: id, session: session)
        #expect(ack.string("error") == "479")
        #expect(await rejection(harness, id: id)?.contains("unknown message type") == true)

        // None of them reached a device.
        #expect(await harness.simulator.acceptedMessages.count == 1)
        await harness.close(session)
    }

    @Test("a device that cannot decrypt asks for a retry, and the client re-encrypts for that device only", .timeLimit(.minutes(3)))
    func retryReceipt() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let session = try await harness.linkedSession(phone: Self.sender)
        let lid = try #require(await { () async throws -> String? in
            _ = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "satu", session: "utama", campaignId: "c"))
            return await session.directory.lidByPhone[Self.recipient]
        }())
        // The recipient's phone loses its sessions: our next message (on the old session) fails there.
        #expect(!lid.isEmpty)
        await harness.simulator.forgetSessions(phone: Self.recipient, device: 0)
        let id = SessionHarness.messageID()
        guard case .sent = await session.send(OutgoingMessage(id: id, phone: Self.recipient, text: "dua", session: "utama", campaignId: "c")) else {
            Issue.record("not sent"); return
        }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.messageId == id && $0.recipientPhone == Self.recipient } })
        // The retry carried that one device's copy only (device_fanout=false), under the same id.
        let copies = await harness.simulator.acceptedMessages.filter { $0.id == id }
        #expect(copies.count == 2)
        #expect(copies.last?.devices == ["\(Self.recipient):0"])
        await harness.close(session)
    }
}
