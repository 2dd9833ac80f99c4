import Foundation
import SiaranTestSupport
import Testing
import Transport
import WABinary
@testable import WhatsApp
import WhatsAppSimulator

/// Linking by code, restarts, and the faults WhatsApp's servers produce.
@Suite("WhatsApp client: linking by code, restarts and faults", .serialized)
struct ClientResilienceTests {
    static let sender = "6281100000001"
    static let recipient = "6281200000002"

    func send(_ session: WhatsAppSession, _ text: String, to phone: String = recipient, id: String = SessionHarness.messageID()) async -> SendResult {
        await session.send(OutgoingMessage(id: id, phone: phone, text: text, session: "utama", campaignId: "c1"))
    }

    @Test("links with a pairing code typed on the phone; a wrong code is refused", .timeLimit(.minutes(4)))
    func pairingCode() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let wrong = try await harness.session("salah")
        await wrong.start(pairingPhone: Self.sender)
        let firstCode = try await harness.recorder.first(timeout: .seconds(60)) { if case .pairingCode(let code) = $0 { code } else { nil } }
        try await harness.simulator.enterPairingCode(firstCode == "AAAA-AAAA" ? "BBBB-BBBB" : "AAAA-AAAA", phone: Self.sender)
        try await Task.sleep(for: .seconds(2))
        #expect(await !wrong.isLinked)
        #expect(await harness.simulator.companion(phone: Self.sender, deviceId: 1) == nil)
        await wrong.stop()

        let seen = await harness.recorder.count
        let session = try await harness.session()
        await session.start(pairingPhone: Self.sender)
        let code = try await harness.recorder.first(timeout: .seconds(60), after: seen) { if case .pairingCode(let code) = $0 { code } else { nil } }
        #expect(code.count == 9 && code.contains("-"))
        try await harness.simulator.enterPairingCode(code, phone: Self.sender)
        _ = try await harness.recorder.first(timeout: .seconds(60), after: seen) { $0 == .connected ? true : nil }
        #expect(await session.isLinked)
        guard case .sent = await send(session, "lewat kode") else { Issue.record("not sent"); return }
        await harness.close(session)
    }

    @Test("after a restart the session logs in from its folder and keeps its Signal sessions", .timeLimit(.minutes(3)))
    func restart() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let first = try await harness.linkedSession(phone: Self.sender)
        guard case .sent = await send(first, "sebelum") else { Issue.record("not sent"); return }
        await first.stop()

        let seen = await harness.recorder.count
        let second = try await harness.session()
        await second.start()
        _ = try await harness.recorder.first(timeout: .seconds(60), after: seen) { $0 == .connected ? true : nil }
        let id = SessionHarness.messageID()
        guard case .sent = await send(second, "sesudah", id: id) else { Issue.record("not sent"); return }
        #expect(await eventually { await harness.simulator.decryptedMessages.filter { $0.messageId == id }.count == 2 })
        // Files of the session folder are private.
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.root.appendingPathComponent("utama/creds.json").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        await harness.close(second)
    }

    @Test("reconnects after a dropped connection and after stream errors 515 and 503", .timeLimit(.minutes(3)))
    func reconnects() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)])
        let session = try await harness.linkedSession(phone: Self.sender)
        for fault in [ImmediateFault.dropConnection, .streamError(code: "515"), .streamError(code: "503"), .unknownNode] {
            let seen = await harness.recorder.count
            await harness.simulator.trigger(fault, phone: Self.sender)
            if fault != .unknownNode {
                _ = try await harness.recorder.first(timeout: .seconds(60), after: seen) { $0 == .connected ? true : nil }
            }
            guard case .sent = await send(session, "setelah \(fault)") else { Issue.record("not sent after \(fault)"); return }
        }
        await harness.close(session)
    }

    @Test("a lost ack is a transient failure; the retry with the same id is delivered once more, never under a new id",
          .timeLimit(.minutes(3)))
    func lostAck() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient)],
                                               ackTimeout: .seconds(3))
        let session = try await harness.linkedSession(phone: Self.sender)
        await harness.simulator.inject(.loseAcks(count: 1))
        let id = SessionHarness.messageID()
        guard case .transientFailure = await send(session, "hilang", id: id) else { Issue.record("expected a transient failure"); return }
        guard case .sent = await send(session, "hilang", id: id) else { Issue.record("retry not sent"); return }
        #expect(Set(await harness.simulator.acceptedMessages.map(\.id)) == [id])
        await harness.close(session)
    }

    @Test("a rate limit is transient; one 463 fails only that message as restricted, issues our token and restricts nothing",
          .timeLimit(.minutes(3)))
    func rateLimits() async throws {
        let third = "6281300000003"
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.recipient),
                                                          SimulatedAccount(phone: third)])
        let session = try await harness.linkedSession(phone: Self.sender)
        await harness.simulator.inject(.ackError(code: "429", count: 1))
        let limited = await send(session, "a")
        #expect(limited == .transientFailure(reason: "rate-overlimit (429): WhatsApp asks to slow down"))
        await harness.simulator.inject(.ackError(code: "463", count: 1))
        let id = SessionHarness.messageID()
        #expect(await send(session, "b", to: third, id: id) == .permanentFailure(reason: "restricted"))
        let lid = try #require(await session.directory.lidByPhone[third])
        #expect(await session.directory.tokensIssued[lid] != nil, "our privacy token went to the contact after the 463")
        #expect(await session.restriction == nil, "one 463 is about that contact, not the account")
        guard case .sent = await send(session, "c") else { Issue.record("the next contact was not reached"); return }
        #expect(await !harness.simulator.acceptedMessages.contains { $0.id == id }, "the refused message was not sent again")
        await harness.close(session)
    }

    @Test("a device removed from the phone stops the session for good, with a notice", .timeLimit(.minutes(3)))
    func deviceRemoved() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender)])
        let session = try await harness.linkedSession(phone: Self.sender)
        await harness.simulator.trigger(.deviceRemoved, phone: Self.sender)
        let reason = try await harness.recorder.first(timeout: .seconds(60)) { if case .stopped(let reason) = $0 { reason } else { nil } }
        #expect(reason.contains("link"))
        #expect(await session.state == .loggedOut)
        #expect(await !session.isLinked)
        let notice = try String(contentsOf: harness.root.appendingPathComponent("outbox/sessions/utama/NOTICE.txt"), encoding: .utf8)
        #expect(notice.contains("siaran login"), "the notice tells staff what to do: \(notice)")
        await harness.close(session)
    }
}

@Suite("WhatsApp client: undecryptable messages")
struct UndecryptableTests {
    @Test("a device whose messages keep failing to decrypt has its session reset after three failures in a row",
          .timeLimit(.minutes(3)))
    func badMAC() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: ClientResilienceTests.sender),
                                                          SimulatedAccount(phone: ClientResilienceTests.recipient)])
        let session = try await harness.linkedSession(phone: ClientResilienceTests.sender)
        _ = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: ClientResilienceTests.recipient, text: "halo",
                                               session: "utama", campaignId: "c"))
        for _ in 0..<3 { await harness.simulator.sendUndecryptable(from: ClientResilienceTests.recipient, to: ClientResilienceTests.sender) }
        #expect(await eventually { await session.sessionResets == 1 })
        // Nothing undecryptable is counted as a reply.
        #expect(await harness.recorder.events.allSatisfy { if case .incoming = $0 { false } else { true } })
        await harness.close(session)
    }
}

@Suite("WhatsApp client: health from results")
struct HealthTests {
    @Test("three sends without a server ack make the session unavailable and rebuild the connection; afterwards it sends again",
          .timeLimit(.minutes(3)))
    func unacknowledged() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: ClientResilienceTests.sender),
                                                          SimulatedAccount(phone: ClientResilienceTests.recipient)],
                                         ackTimeout: .seconds(3))
        let session = try await harness.linkedSession(phone: ClientResilienceTests.sender)
        await harness.simulator.inject(.loseAcks(count: 3))
        var sawUnavailable = false
        for index in 0..<3 {
            let result = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: ClientResilienceTests.recipient,
                                                            text: "tanpa ack \(index)", session: "utama", campaignId: "c"))
            guard case .transientFailure = result else { Issue.record("expected a transient failure, got \(result)"); return }
            if index == 2 {
                let canSend = await session.canSend
                let state = await session.state
                sawUnavailable = !canSend || state != .connected
            }
        }
        #expect(sawUnavailable, "after three unacknowledged sends the session is not offered messages")
        _ = try await harness.recorder.first(timeout: .seconds(60)) { if case .notice(let text) = $0, text.contains("not being acknowledged") { true } else { nil } }
        #expect(await session.waitUntilConnected(timeout: .seconds(60)))
        #expect(await eventually { await session.canSend })
        guard case .sent = await session.send(OutgoingMessage(id: SessionHarness.messageID(), phone: ClientResilienceTests.recipient,
                                                              text: "sudah pulih", session: "utama", campaignId: "c")) else {
            Issue.record("not sent after the connection was rebuilt"); return
        }
        await harness.close(session)
    }
}
