import Crypto
import Foundation
import SiaranTestSupport
import Testing
import Transport
import WABinary
@testable import WhatsApp
import WhatsAppSimulator

/// The reach-out limits decided without sockets: what one 463, several, and the server's
/// notifications do.
@Suite("Reach-out limits (no I/O)")
struct ReachOutLimitsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("one or two 463s restrict nothing; the third different new contact in a row restricts the account for a day")
    func refusalsInARow() {
        var limits = ReachOutLimits()
        #expect(limits.refused(contact: "111", now: now) == .none)
        #expect(limits.refused(contact: "111", now: now) == .none, "the same contact twice is still one contact")
        #expect(limits.refused(contact: "222", now: now) == .none)
        #expect(limits.activeRestriction(at: now) == nil)
        guard case .restricted(let restriction) = limits.refused(contact: "333", now: now) else { Issue.record("not restricted"); return }
        #expect(restriction.source == .repeatedRefusals)
        #expect(restriction.until == now.addingTimeInterval(ReachOutLimits.assumedDuration))
        #expect(limits.activeRestriction(at: now.addingTimeInterval(3600)) == restriction)
        #expect(limits.refused(contact: "444", now: now) == .none, "already restricted: nothing new to say")
    }

    @Test("a new contact reached between two 463s breaks the row; it also ends a restriction only inferred")
    func acceptedBreaksTheRow() {
        var limits = ReachOutLimits()
        _ = limits.refused(contact: "111", now: now)
        _ = limits.refused(contact: "222", now: now)
        #expect(limits.acceptedNewContact(now: now) == .none)
        #expect(limits.refused(contact: "333", now: now) == .none, "the row started again")
        _ = limits.refused(contact: "444", now: now)
        guard case .restricted = limits.refused(contact: "555", now: now) else { Issue.record("not restricted"); return }
        #expect(limits.acceptedNewContact(now: now) == .lifted)
        #expect(limits.activeRestriction(at: now) == nil)
    }

    @Test("the timelock notification restricts until its end, moves it, and lifts it; an inferred restriction takes its numbers")
    func timelock() {
        var limits = ReachOutLimits()
        for contact in ["1", "2", "3"] { _ = limits.refused(contact: contact, now: now) }
        let ends = now.addingTimeInterval(7200)
        guard case .restricted(let restriction) = limits.timelock(.init(active: true, ends: ends, enforcement: "DEFAULT"), now: now) else {
            Issue.record("not restricted"); return
        }
        #expect(restriction == ReachOutRestriction(until: ends, since: now, source: .timelock, enforcement: "DEFAULT"))
        #expect(limits.timelock(.init(active: true, ends: ends, enforcement: "DEFAULT"), now: now) == .none, "the same again changes nothing")
        #expect(limits.acceptedNewContact(now: now) == .none, "the server's restriction is not ended by a guess")
        #expect(limits.activeRestriction(at: now) != nil)
        guard case .restricted(let later) = limits.timelock(.init(active: true, ends: ends.addingTimeInterval(600), enforcement: "DEFAULT"),
                                                             now: now.addingTimeInterval(60)) else { Issue.record("not moved"); return }
        #expect(later.since == now, "a moved end keeps when it began")
        #expect(limits.timelock(.init(active: false), now: now.addingTimeInterval(120)) == .lifted)
        #expect(limits.activeRestriction(at: now.addingTimeInterval(120)) == nil)
        // Without an end, WhatsApp Web assumes a minute.
        guard case .restricted(let unnamed) = limits.timelock(.init(active: true), now: now) else { Issue.record("not restricted"); return }
        #expect(unnamed.until == now.addingTimeInterval(60))
        #expect(limits.expire(now: now.addingTimeInterval(61)) == .lifted)
    }

    @Test("the new-chat cap restricts until the cycle ends when CAPPED; a later status lifts it")
    func newChatCap() {
        var limits = ReachOutLimits()
        #expect(limits.newChatCap(.init(status: "FIRST_WARNING", used: 40, total: 50, cycleEnd: now.addingTimeInterval(3600)), now: now) == .none)
        guard case .restricted(let capped) = limits.newChatCap(.init(status: "CAPPED", used: 50, total: 50, cycleEnd: now.addingTimeInterval(3600)),
                                                               now: now) else { Issue.record("not restricted"); return }
        #expect(capped.source == .newChatCap && capped.until == now.addingTimeInterval(3600))
        #expect(limits.newChatCap(.init(status: "NONE", used: 0, total: 50, cycleEnd: nil), now: now) == .lifted)
    }

    @Test("notifications are parsed as Baileys reads them; anything else is ignored without a crash")
    func parsing() {
        let timelock = #"{"data":{"xwa2_notify_account_reachout_timelock":{"is_active":true,"enforcement_type":"BIZ_QUALITY","time_enforcement_ends":"1800007200"}}}"#
        #expect(ReachOutNotice(operation: "NotificationUserReachoutTimelockUpdate", json: Array(timelock.utf8))
                == .timelock(.init(active: true, ends: Date(timeIntervalSince1970: 1_800_007_200), enforcement: "BIZ_QUALITY")))
        let lifted = #"{"data":{"xwa2_notify_account_reachout_timelock":{"is_active":false,"time_enforcement_ends":"0"}}}"#
        #expect(ReachOutNotice(operation: "NotificationUserReachoutTimelockUpdate", json: Array(lifted.utf8)) == .timelock(.init(active: false)))
        let cap = #"{"data":{"xwa2_notify_new_chat_messages_capping_info_update":{"total_quota":50,"used_quota":"50","capping_status":"CAPPED","cycle_end_timestamp":"1800003600"}}}"#
        #expect(ReachOutNotice(operation: "MessageCappingInfoNotification", json: Array(cap.utf8))
                == .newChatCap(.init(status: "CAPPED", used: 50, total: 50, cycleEnd: Date(timeIntervalSince1970: 1_800_003_600))))
        let answer = #"{"data":{"xwa2_fetch_account_reachout_timelock":{"is_active":true,"time_enforcement_ends":"1800007200","enforcement_type":"DEFAULT"}}}"#
        #expect(ReachOutNotice.timelock(queryResult: Array(answer.utf8))
                == .init(active: true, ends: Date(timeIntervalSince1970: 1_800_007_200), enforcement: "DEFAULT"), "the answer to the query after a 463")
        #expect(ReachOutNotice.timelock(queryResult: Array(#"{"errors":[{"message":"x"}]}"#.utf8)) == nil)
        for (operation, json) in [("NotificationUserReachoutTimelockUpdate", "not json"), ("NotificationUserReachoutTimelockUpdate", #"{"data":{}}"#),
                                  ("NotificationNewsletterJoin", timelock), ("MessageCappingInfoNotification", #"{"errors":[{}]}"#)] {
            #expect(ReachOutNotice(operation: operation, json: Array(json.utf8)) == nil, "\(operation) \(json)")
        }
    }

    @Test("the participant hash is whatsmeow's participantListHashV2 over every device of both users")
    func participantHash() {
        let devices = [JID(user: "222", server: JID.Server.lid, device: 0), JID(user: "111", server: JID.Server.lid, device: 3),
                       JID(user: "111", server: JID.Server.lid, device: 0)]
        // sha256("111.0:0@lid111.0:3@lid222.0:0@lid")[0:6], standard base64 without padding.
        #expect(WhatsAppSession.participantHash(devices) == "2:" + Self.expected("111.0:0@lid111.0:3@lid222.0:0@lid"))
        #expect(WhatsAppSession.participantHash(devices.reversed()) == WhatsAppSession.participantHash(devices), "order does not matter")
    }

    static func expected(_ text: String) -> String {
        return Data(SHA256.hash(data: Data(text.utf8)).prefix(6)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

/// The same against the simulator, which refuses new chats of a restricted account with 463
/// unless the message carries a privacy token the contact gave by writing first.
@Suite("WhatsApp client: reach-out restrictions against the simulator", .serialized)
struct ReachOutSimulatorTests {
    static let sender = "6281100000001"
    static let warm = "6281200000002"
    static let cold = (3...7).map { "628130000000\($0)" }

    func send(_ session: WhatsAppSession, _ text: String, to phone: String, id: String = SessionHarness.messageID(),
              answer: Bool = false) async -> SendResult {
        await session.send(OutgoingMessage(id: id, phone: phone, text: text, session: "utama", campaignId: "c1", answersContact: answer))
    }

    func harness() async throws -> (SessionHarness, WhatsAppSession) {
        let accounts = ([Self.sender, Self.warm] + Self.cold).map { SimulatedAccount(phone: $0) }
        let harness = try await SessionHarness(accounts: accounts)
        let session = try await harness.linkedSession(phone: Self.sender)
        // The warm contact writes first: the session gets their message and their privacy token.
        await harness.simulator.sendText("halo, ada promo?", from: Self.warm, to: Self.sender)
        _ = try await harness.recorder.first(timeout: .seconds(60)) { if case .incoming(let phone, _, _, _) = $0, phone == Self.warm { true } else { nil } }
        #expect(await eventually { await session.directory.privacyTokens.count == 1 })
        return (harness, session)
    }

    @Test("463 for three new contacts in a row restricts the account: new contacts are held back unsent, people who wrote still get messages",
          .timeLimit(.minutes(3)))
    func repeatedRefusals() async throws {
        let (harness, session) = try await harness()
        await harness.simulator.restrictReachOut(phone: Self.sender, until: Date().addingTimeInterval(3600), announce: .never)
        var refused: [String] = []
        for phone in Self.cold.prefix(3) {
            let id = SessionHarness.messageID()
            refused.append(id)
            #expect(await send(session, "promo", to: phone, id: id) == .permanentFailure(reason: "restricted"))
        }
        let restriction = try #require(await session.restriction)
        #expect(restriction.source == .repeatedRefusals)
        _ = try await harness.recorder.first(timeout: .seconds(10)) { if case .restricted(let r) = $0, r == restriction { true } else { nil } }
        // The fourth new contact is not tried at all: trying would count as another reach-out.
        let held = SessionHarness.messageID()
        guard case .deferred(let until, let reason) = await send(session, "promo", to: Self.cold[3], id: held) else {
            Issue.record("a new contact was not held back"); return
        }
        #expect(until == restriction.until && reason == "restricted")
        // The contact who wrote gets campaign messages and answers alike.
        guard case .sent = await send(session, "promo", to: Self.warm) else { Issue.record("the warm contact was not reached"); return }
        guard case .sent = await send(session, "terima kasih", to: Self.warm, answer: true) else { Issue.record("no answer"); return }
        let rejected = await harness.simulator.rejectionReasons
        #expect(Set(rejected.keys) == Set(refused), "each refused message went once, the held one never: \(rejected)")
        #expect(await !harness.simulator.acceptedMessages.contains { $0.id == held || refused.contains($0.id) })
        let notice = try String(contentsOf: harness.root.appendingPathComponent("outbox/sessions/utama/NOTICE.txt"), encoding: .utf8)
        #expect(notice.contains("restricted this number (utama) from starting new chats until") && notice.contains("membatasi nomor ini"), "\(notice)")
        #expect(ReachOutRestriction.stored(inSessionFolder: harness.root.appendingPathComponent("utama")) == restriction,
                "kept beside the keys for restarts and `siaran sessions list`")
        await harness.close(session)
    }

    @Test("after the first 463 the client asks the server; a timelock it reports restricts the account at once, until its end",
          .timeLimit(.minutes(3)))
    func timelockAskedAfterRefusal() async throws {
        let (harness, session) = try await harness()
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 5400).rounded(.down))
        await harness.simulator.restrictReachOut(phone: Self.sender, until: until, announce: .whenAsked)
        #expect(await send(session, "promo", to: Self.cold[0]) == .permanentFailure(reason: "restricted"))
        let restriction = try #require(await session.restriction)
        #expect(restriction.source == .timelock && restriction.until == until, "one refusal was enough: the server said so when asked")
        guard case .deferred = await send(session, "promo", to: Self.cold[1]) else { Issue.record("a new contact was not held back"); return }
        #expect(await harness.simulator.rejectionReasons.count == 1, "only the first new contact was tried")
        await harness.close(session)
    }

    @Test("the timelock notification restricts until the time it names; lifting it frees new contacts again", .timeLimit(.minutes(3)))
    func timelockNotification() async throws {
        let (harness, session) = try await harness()
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7200).rounded(.down))
        await harness.simulator.restrictReachOut(phone: Self.sender, until: until)
        let restriction = try await harness.recorder.first(timeout: .seconds(30)) { if case .restricted(let r) = $0 { r } else { nil } }
        #expect(restriction.source == .timelock && restriction.until == until && restriction.enforcement == "DEFAULT")
        guard case .deferred = await send(session, "promo", to: Self.cold[0]) else { Issue.record("a new contact was not held back"); return }
        #expect(await harness.simulator.rejectionReasons.isEmpty, "nothing was tried")

        let seen = await harness.recorder.count
        await harness.simulator.liftReachOut(phone: Self.sender)
        _ = try await harness.recorder.first(timeout: .seconds(30), after: seen) { $0 == .restrictionLifted ? true : nil }
        #expect(await session.restriction == nil)
        guard case .sent = await send(session, "promo", to: Self.cold[0]) else { Issue.record("not sent after the lift"); return }
        await harness.close(session)
    }

    @Test("the new-chat cap: warnings as it fills, CAPPED restricts until the cycle ends, a new cycle frees it", .timeLimit(.minutes(3)))
    func newChatCap() async throws {
        let (harness, session) = try await harness()
        let cycleEnd = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3 * 3600).rounded(.down))
        await harness.simulator.capNewChats(phone: Self.sender, total: 4, cycleEnd: cycleEnd)
        var seen = await harness.recorder.count
        for phone in Self.cold.prefix(2) {
            guard case .sent = await send(session, "promo", to: phone) else { Issue.record("\(phone) not sent under the cap"); return }
        }
        // Half the quota used: the first warning reaches staff as a notice, without a restriction.
        let warning = try await harness.recorder.first(timeout: .seconds(30), after: seen) { if case .notice(let text) = $0, text.contains("near its cap") { text } else { nil } }
        #expect(warning.contains("2 of 4"), "\(warning)")
        #expect(await session.restriction == nil)
        // The warm contact does not count as a new chat.
        guard case .sent = await send(session, "promo", to: Self.warm) else { Issue.record("the warm contact was not reached"); return }
        seen = await harness.recorder.count
        for phone in Self.cold[2...3] {
            guard case .sent = await send(session, "promo", to: phone) else { Issue.record("\(phone) not sent under the cap"); return }
        }
        let restriction = try await harness.recorder.first(timeout: .seconds(30), after: seen) { if case .restricted(let r) = $0 { r } else { nil } }
        #expect(restriction.source == .newChatCap && restriction.until == cycleEnd, "restricted until the cycle the server named ends")
        // The fifth new contact is held back without trying; the server never saw it.
        guard case .deferred(let until, _) = await send(session, "promo", to: Self.cold[4]) else { Issue.record("a new contact was not held back"); return }
        #expect(until == cycleEnd)
        #expect(await harness.simulator.rejectionReasons.isEmpty)
        guard case .sent = await send(session, "lagi", to: Self.warm) else { Issue.record("the warm contact was not reached while capped"); return }

        seen = await harness.recorder.count
        await harness.simulator.capNewChats(phone: Self.sender, total: nil)
        _ = try await harness.recorder.first(timeout: .seconds(30), after: seen) { $0 == .restrictionLifted ? true : nil }
        guard case .sent = await send(session, "promo", to: Self.cold[4]) else { Issue.record("not sent in the new cycle"); return }
        await harness.close(session)
    }

    @Test("a restriction that ended while the daemon was down is reported as lifted at the next start", .timeLimit(.minutes(3)))
    func restrictionEndedWhileStopped() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender)])
        let first = try await harness.linkedSession(phone: Self.sender)
        await first.stop()
        // What the stopped daemon left: a timelock that ended a minute ago.
        var limits = ReachOutLimits()
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        _ = limits.timelock(.init(active: true, ends: Date().addingTimeInterval(-60)), now: twoHoursAgo)
        try JSONEncoder().encode(limits).write(to: harness.root.appendingPathComponent("utama").appendingPathComponent(ReachOutRestriction.fileName))
        let seen = await harness.recorder.count
        let session = try await harness.session()
        await session.start()
        _ = try await harness.recorder.first(timeout: .seconds(30), after: seen) { $0 == .restrictionLifted ? true : nil }
        let notice = try String(contentsOf: harness.root.appendingPathComponent("outbox/sessions/utama/NOTICE.txt"), encoding: .utf8)
        #expect(notice.contains("no longer restricts"), "\(notice)")
        await harness.close(session)
    }

    @Test("479 after a device list changed unseen: the lists are fetched again and the message goes once more; with nothing changed it is not resent",
          .timeLimit(.minutes(3)))
    func smaxInvalid() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.warm)])
        let session = try await harness.linkedSession(phone: Self.sender)
        guard case .sent = await send(session, "satu", to: Self.warm) else { Issue.record("not sent"); return }
        // A device whose notification never arrived: the cached list is stale, the server refuses with 479.
        let added = try #require(await harness.simulator.addDevice(phone: Self.warm, notify: false))
        let id = SessionHarness.messageID()
        guard case .sent = await send(session, "dua", to: Self.warm, id: id) else { Issue.record("not sent after refreshing devices"); return }
        #expect(await harness.simulator.rejectionReasons[id]?.contains("stale device list") == true, "the first stanza was refused with 479")
        #expect(await harness.simulator.acceptedMessages.filter { $0.id == id }.count == 1)
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.messageId == id && $0.recipientDevice == added } })

        // A 479 with the device lists unchanged: refused, and not sent again behind the caller's back.
        await harness.simulator.inject(.ackError(code: "479", count: 1))
        let refused = SessionHarness.messageID()
        guard case .transientFailure(let reason) = await send(session, "tiga", to: Self.warm, id: refused) else { Issue.record("not refused"); return }
        #expect(reason.contains("smax-invalid"))
        #expect(await !harness.simulator.acceptedMessages.contains { $0.id == refused }, "no blind resend")
        await harness.close(session)
    }

    @Test("an ack whose participant hash differs from ours drops the cached device lists; the message is not resent", .timeLimit(.minutes(3)))
    func participantHashMismatch() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.warm)])
        let session = try await harness.linkedSession(phone: Self.sender)
        guard case .sent = await send(session, "satu", to: Self.warm) else { Issue.record("not sent"); return }
        #expect(await session.directory.devices.count == 2, "the contact's and our own device lists are cached")
        await harness.simulator.inject(.foreignParticipantHash(count: 1))
        let id = SessionHarness.messageID()
        guard case .sent = await send(session, "dua", to: Self.warm, id: id) else { Issue.record("not sent"); return }
        #expect(await session.directory.devices.isEmpty, "dropped, so the next send fetches them")
        #expect(await harness.simulator.acceptedMessages.filter { $0.id == id }.count == 1)
        guard case .sent = await send(session, "tiga", to: Self.warm) else { Issue.record("not sent after the refresh"); return }
        #expect(await session.directory.devices.count == 2)
        await harness.close(session)
    }
}
