import Foundation
import SiaranTestSupport
import Testing
import Transport
@testable import WhatsApp
import WhatsAppSimulator

/// The pipeline's view: several linked numbers in one process, receipts and replies as transport
/// events, and a session that stops for good no longer offered messages.
@Suite("WhatsApp transport with several sessions", .serialized)
struct TransportTests {
    @Test("two sessions send independently; receipts and replies come back tagged; a removed device is no longer available",
          .timeLimit(.minutes(3)))
    func severalSessions() async throws {
        let first = "6281100000001", second = "6281100000002", customer = "6281200000009"
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: first), SimulatedAccount(phone: second),
                                                          SimulatedAccount(phone: customer, behaviour: .init(reply: "Siap"))])
        // Linked as `siaran login` does, then opened again by the daemon's transport (which is the
        // only reader of the sessions' events).
        for (phone, name) in [(first, "utama"), (second, "cadangan")] {
            await (try harness.linkedSession(phone: phone, name: name)).stop()
        }
        let utama = try await WhatsAppSession(name: "utama", root: harness.root, configuration: harness.configuration)
        let cadangan = try await WhatsAppSession(name: "cadangan", root: harness.root, configuration: harness.configuration)
        let transport = WhatsAppTransport(sessions: [utama, cadangan])
        let events = TransportEventLog()
        Task { for await event in transport.events { await events.append(event) } }
        await transport.start()
        #expect(await utama.waitUntilConnected(timeout: .seconds(60)))
        #expect(await cadangan.waitUntilConnected(timeout: .seconds(60)))

        let a = SessionHarness.messageID(), b = SessionHarness.messageID()
        guard case .sent = await transport.send(OutgoingMessage(id: a, phone: customer, text: "dari utama", session: "utama", campaignId: "c")),
              case .sent = await transport.send(OutgoingMessage(id: b, phone: customer, text: "dari cadangan", session: "cadangan", campaignId: "c")) else {
            Issue.record("not sent"); return
        }
        let decrypted = await harness.simulator.decryptedMessages.filter { $0.recipientPhone == customer }
        #expect(Set(decrypted.map(\.senderPhone)) == [first, second])
        #expect(await eventually { await events.contains { if case .delivered(b, _) = $0 { true } else { false } } })
        #expect(await eventually { await events.contains { if case .reply(customer, "cadangan", _, "Siap", _) = $0 { true } else { false } } })
        #expect(await transport.send(OutgoingMessage(id: "X", phone: customer, text: "?", session: "tidak-ada", campaignId: "c"))
                == .transientFailure(reason: "session tidak-ada is not running (whatsapp.sessions, or link it from the dashboard)"))

        await harness.simulator.trigger(.deviceRemoved, phone: second)
        #expect(await eventually { await !transport.isAvailable(session: "cadangan") })
        #expect(await transport.isAvailable(session: "utama"))
        await transport.stop()
        await harness.close()
    }
}

actor TransportEventLog {
    private var events: [TransportEvent] = []
    func append(_ event: TransportEvent) { events.append(event) }
    func contains(_ match: (TransportEvent) -> Bool) -> Bool { events.contains(where: match) }
}
