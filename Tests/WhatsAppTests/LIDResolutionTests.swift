import Foundation
import SiaranTestSupport
import Testing
import Transport
import WABinary
@testable import WhatsApp
import WhatsAppSimulator

/// Addressing by LID (brief §7.1–7.2): asking for a LID the number check left out, and learning
/// phone ↔ LID pairs from every stanza that names both.
@Suite("WhatsApp client: LID resolution", .serialized)
struct LIDResolutionTests {
    static let sender = "6281100000001"
    static let recipient = "6281200000002"
    static let recipientLID = "246813579024680"

    @Test("a number check answered without a LID asks for it by phone number, and the message goes", .timeLimit(.minutes(3)))
    func resolvesMissingLID() async throws {
        let harness = try await SessionHarness(accounts: [
            SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient, lid: Self.recipientLID),
        ])
        await harness.simulator.answerContactChecksWithoutLID()
        let session = try await harness.linkedSession(phone: Self.sender)
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Halo", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); await harness.close(session); return }
        #expect(await harness.simulator.lidLookups == [Self.recipient])
        #expect(await session.directory.lidByPhone[Self.recipient] == Self.recipientLID)
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.recipientPhone == Self.recipient && $0.text == "Halo" } })

        // The LID is kept: the next message asks nothing more.
        let second = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Lagi", session: "utama", campaignId: "c1"))
        guard case .sent = second else { Issue.record("second not sent: \(second)"); await harness.close(session); return }
        #expect(await harness.simulator.lidLookups == [Self.recipient])

        // Only the server's "not registered" makes a number not-on-whatsapp.
        let unknown = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: "6289999999999", text: "x", session: "utama", campaignId: "c1"))
        #expect(unknown == .permanentFailure(reason: "not-on-whatsapp"))
        #expect(await harness.simulator.lidLookups == [Self.recipient])
        await harness.close(session)
    }

    @Test("phone ↔ LID pairs are learned from every attribute pair that names both forms")
    func learnsFromStanzas() {
        let pn = { (user: String) in Node.AttributeValue.jid(JID(user: user, server: JID.Server.user)) }
        let lid = { (user: String) in Node.AttributeValue.jid(JID(user: user, server: JID.Server.lid)) }
        var directory = ContactDirectory()
        let first = directory.learnAddresses(from: Node("message", [("from", pn("620001")), ("sender_lid", lid("1001"))]))
        #expect(first)
        directory.learnAddresses(from: Node("message", [("from", lid("1002")), ("sender_pn", pn("620002"))]))
        directory.learnAddresses(from: Node("receipt", [("from", lid("1003")), ("participant", pn("620003")), ("participant_lid", lid("1003"))]))
        directory.learnAddresses(from: Node("message", [("from", pn("620000")), ("recipient", lid("1004")), ("peer_recipient_pn", pn("620004"))]))
        directory.learnAddresses(from: Node("receipt", [("recipient", pn("620005")), ("peer_recipient_lid", lid("1005"))]))
        directory.learnAddresses(from: Node("notification", [("from", pn("620006")), ("lid", lid("1006")), ("type", .string("devices"))]))
        #expect(Dictionary(uniqueKeysWithValues: Array(directory.lidByPhone)) == ["620001": "1001", "620002": "1002", "620003": "1003", "620004": "1004", "620005": "1005", "620006": "1006"])
        // Nothing new, nothing to save; two phone numbers or a group are no pair.
        let again = directory.learnAddresses(from: Node("message", [("from", pn("620001")), ("sender_lid", lid("1001"))]))
        let twoNumbers = directory.learnAddresses(from: Node("message", [("from", pn("620007")), ("sender_pn", pn("620008"))]))
        let group = directory.learnAddresses(from: Node("message", [("from", .jid(JID(user: "1203", server: JID.Server.group))), ("sender_lid", lid("1009"))]))
        #expect(!again && !twoNumbers && !group)
    }

    @Test("no task the session started outlives stop(), connected or waiting to reconnect", .timeLimit(.minutes(3)))
    func noTaskOutlivesStop() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let session = try await harness.linkedSession(phone: Self.sender)
        let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: Self.recipient, text: "Halo", session: "utama", campaignId: "c1"))
        guard case .sent = result else { Issue.record("not sent: \(result)"); await harness.close(session); return }
        #expect(await session.runningTasks > 0)
        await session.stop()
        #expect(await session.runningTasks == 0)
        #expect(await session.state == .stopped)

        // Started again, then stopped while waiting to reconnect after a drop.
        let seen = await harness.recorder.count
        await session.start()
        _ = try await harness.recorder.first(timeout: .seconds(60), after: seen) { $0 == .connected ? true : nil }
        await harness.simulator.trigger(.dropConnection, phone: Self.sender)
        _ = try await harness.recorder.first(timeout: .seconds(60), after: seen) { if case .disconnected = $0 { true } else { nil } }
        await session.stop()
        #expect(await session.runningTasks == 0)
        await harness.close(session)
    }
}
