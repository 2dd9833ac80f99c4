public import Foundation
import SignalProtocol
import WABinary

/// Faults a test (or the demo) programs into the simulator; each applies to the next messages.
public enum Fault: Sendable, Equatable {
    /// Answer the next `count` messages with `<ack error=code>` (429 rate limit, 463 reach-out lock, 503 …).
    case ackError(code: String, count: Int)
    /// Accept and deliver the next `count` messages but never acknowledge them.
    case loseAcks(count: Int)
    /// Close the sender's connection right after the next `afterMessages` accepted messages.
    case dropConnection(afterMessages: Int)
    /// Accept the next `count` messages but put a participant hash in their acks that matches no
    /// device list (what a client sees when the server knows devices it does not).
    case foreignParticipantHash(count: Int)
}

/// Things that happen at once to the connections of one account.
public enum ImmediateFault: Sendable, Equatable {
    case dropConnection
    /// `<stream:error code=…>` then close (515 restart, 503 server restarting …).
    case streamError(code: String)
    /// Another client took over (`<conflict type="replaced"/>`).
    case replaced
    /// The device was unlinked from the phone (`401` + `<conflict type="device_removed"/>`).
    case deviceRemoved
    /// A node no client knows; clients must ignore it safely.
    case unknownNode
}

extension WhatsAppSimulator {
    public func inject(_ fault: Fault) {
        faults.append(fault)
    }

    public func trigger(_ fault: ImmediateFault, phone: String) async {
        let targets = loggedIn.filter { $0.value.phone == phone }.map(\.key)
        for connection in targets {
            switch fault {
            case .dropConnection:
                await closeConnection(connection)
            case .streamError(let code):
                try? await send(Node("stream:error", [("code", .string(code))]), to: connection)
                await closeConnection(connection)
            case .replaced:
                try? await send(Node("stream:error", content: .nodes([Node("conflict", [("type", .string("replaced"))])])), to: connection)
                await closeConnection(connection)
            case .deviceRemoved:
                try? await send(Node("stream:error", [("code", .string("401"))], content: .nodes([Node("conflict", [("type", .string("device_removed"))])])), to: connection)
                if let device = loggedIn[connection] { companions["\(device.phone):\(device.deviceId)"] = nil }
                await closeConnection(connection)
            case .unknownNode:
                try? await send(Node("siaran-test-unknown", [("id", .string(requestID()))], content: .nodes([Node("mystery")])), to: connection)
            }
        }
    }

    func takeAckErrorFault() -> String? {
        guard let index = faults.firstIndex(where: { if case .ackError = $0 { true } else { false } }),
              case .ackError(let code, let count) = faults[index] else { return nil }
        if count <= 1 { faults.remove(at: index) } else { faults[index] = .ackError(code: code, count: count - 1) }
        return code
    }

    func takeLoseAckFault() -> Bool {
        guard let index = faults.firstIndex(where: { if case .loseAcks = $0 { true } else { false } }),
              case .loseAcks(let count) = faults[index] else { return false }
        if count <= 1 { faults.remove(at: index) } else { faults[index] = .loseAcks(count: count - 1) }
        return true
    }

    func takeForeignHashFault() -> Bool {
        guard let index = faults.firstIndex(where: { if case .foreignParticipantHash = $0 { true } else { false } }),
              case .foreignParticipantHash(let count) = faults[index] else { return false }
        if count <= 1 { faults.remove(at: index) } else { faults[index] = .foreignParticipantHash(count: count - 1) }
        return true
    }

    func applyDropFault(connection: Int) async {
        guard let index = faults.firstIndex(where: { if case .dropConnection = $0 { true } else { false } }),
              case .dropConnection(let after) = faults[index] else { return }
        if after <= 1 {
            faults.remove(at: index)
            await closeConnection(connection)
        } else {
            faults[index] = .dropConnection(afterMessages: after - 1)
        }
    }

    /// The account adds a device (a second phone or tablet); the server tells everyone who may
    /// write to it (unless `notify` is false: a notification lost on the way), and messages
    /// without a copy for the new device are refused from now on.
    @discardableResult
    public func addDevice(phone: String, notify: Bool = true) async -> UInt16? {
        guard var account = accounts[phone] else { return nil }
        let id = account.nextDeviceId
        account.nextDeviceId += 1
        account.phoneDevices.append(id)
        accounts[phone] = account
        phoneDevices["\(phone):\(id)"] = await SimulatedPhoneDevice.make(phone: phone, deviceId: id, identityKey: nil)
        let notification = Node("notification", [("from", .jid(account.lidJID)), ("id", .string(requestID())), ("type", .string("devices")),
                                                  ("t", .string(String(Int(Date().timeIntervalSince1970))))], content: .nodes([
            Node("add", [("device_hash", .string(Self.deviceHash(user: account.lidJID, devices: deviceIDs(of: account))))], content: .nodes([
                Node("device", [("jid", .jid(JID(user: account.lid, server: JID.Server.lid, device: id)))]),
            ])),
        ]))
        for (connection, device) in loggedIn where device.phone != phone && notify {
            try? await send(notification, to: connection)
        }
        return id
    }

    /// A simulated device loses its Signal sessions (a reinstall or corrupted storage): the next
    /// message it gets on an old session fails to decrypt and it asks for a retry.
    public func forgetSessions(phone: String, device: UInt16) async {
        guard let old = phoneDevices["\(phone):\(device)"] else { return }
        let identity = await old.store.identityKeyPair()
        let store = InMemorySignalStore(identity: identity)
        await store.storeSignedPreKey(old.signedPreKey)
        for preKey in old.unusedPreKeys { await store.storePreKey(preKey) }
        phoneDevices["\(phone):\(device)"] = SimulatedPhoneDevice(phone: phone, deviceId: device, store: store, signedPreKey: old.signedPreKey,
                                                                   registrationId: old.registrationId, unusedPreKeys: old.unusedPreKeys)
    }

    /// The phone of `phone` sends `recipientPhone`'s companions a message whose ciphertext is
    /// damaged (what a desynchronised session produces: "Bad MAC" on the receiving side).
    public func sendUndecryptable(from phone: String, to recipientPhone: String) async {
        guard let author = accounts[phone] else { return }
        let id = "3EB0" + (0..<9).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
        for companion in companions.values where companion.phone == recipientPhone {
            let garbage = [0x33] + (0..<60).map { _ in UInt8.random(in: 0...255) }
            let stanza = Node("message", [("from", .jid(author.lidJID)), ("id", .string(id)), ("t", .string(String(Int(Date().timeIntervalSince1970)))),
                                          ("type", .string("text")), ("sender_pn", .jid(author.phoneJID))], content: .nodes([
                Node("enc", [("v", .string("2")), ("type", .string("msg"))], content: .bytes(garbage)),
            ]))
            await deliverToCompanion(key: "\(companion.phone):\(companion.deviceId)", stanza)
        }
    }

    /// Registers a number as on WhatsApp while running (CLI demos).
    public func addAccount(_ account: SimulatedAccount) async {
        accounts[account.phone] = account
        phoneByLID[account.lid] = account.phone
        for device in account.phoneDevices {
            phoneDevices["\(account.phone):\(device)"] = await SimulatedPhoneDevice.make(
                phone: account.phone, deviceId: device, identityKey: device == 0 ? account.accountKey : nil)
        }
    }
}

/// When the server tells a restricted account about its restriction.
public enum ReachOutAnnouncement: Sendable, Equatable {
    /// The timelock notification goes at once.
    case atOnce
    /// Only after the first message it refuses with 463 (the account learns by trying).
    case afterFirstRefusal
    /// No notification, but the timelock query (the one clients send after a 463) tells.
    case whenAsked
    /// Never: no notification, and asked, the server says the account is not restricted; the
    /// account sees only 463s.
    case never
}

struct ReachOutLock {
    var until: Date
    var announce: ReachOutAnnouncement
    var announced = false
}

extension WhatsAppSimulator {
    /// Restricts `phone` from starting new chats until `until` (the reach-out timelock, brief §12):
    /// its messages to anyone who has not given it their privacy token (by writing to it) are
    /// refused with ack 463.
    public func restrictReachOut(phone: String, until: Date, announce: ReachOutAnnouncement = .atOnce) async {
        reachOutLocks[phone] = ReachOutLock(until: until, announce: announce)
        if announce == .atOnce { await sendTimelock(phone: phone, until: until) }
    }

    /// Ends the restriction early and says so.
    public func liftReachOut(phone: String) async {
        reachOutLocks[phone] = nil
        await sendTimelock(phone: phone, until: nil)
    }

    func reachOutRefuses(_ node: Node, from sender: SimulatedAccount, to recipient: SimulatedAccount) -> Bool {
        guard let lock = reachOutLocks[sender.phone], lock.until > Date() else { return false }
        guard let token = node.child("tctoken")?.bytes else { return true }
        return privacyTokens["\(recipient.phone)>\(sender.phone)"] != Data(token)
    }

    /// The persisted mex query id of `fetchAccountReachoutTimelock` (Baileys).
    static let timelockQueryID = "23983697327930364"

    /// The answer to the timelock query, as Baileys reads it.
    func reachOutTimelockAnswer(phone: String) -> String {
        let payload: String = if let lock = reachOutLocks[phone], lock.until > Date(), lock.announce != .never {
            #"{"is_active":true,"enforcement_type":"DEFAULT","time_enforcement_ends":"\#(Int(lock.until.timeIntervalSince1970))"}"#
        } else {
            #"{"is_active":false,"enforcement_type":"DEFAULT","time_enforcement_ends":"0"}"#
        }
        return #"{"data":{"xwa2_fetch_account_reachout_timelock":\#(payload)}}"#
    }

    func announceReachOutLockAfterRefusal(_ phone: String) async {
        guard var lock = reachOutLocks[phone], lock.announce == .afterFirstRefusal, !lock.announced else { return }
        lock.announced = true
        reachOutLocks[phone] = lock
        await sendTimelock(phone: phone, until: lock.until)
    }

    /// `<notification type="mex"><update op_name="NotificationUserReachoutTimelockUpdate">` with the
    /// GraphQL answer as JSON, as Baileys parses it; nil `until` lifts the restriction.
    private func sendTimelock(phone: String, until: Date?) async {
        let payload: String = if let until {
            #"{"is_active":true,"enforcement_type":"DEFAULT","time_enforcement_ends":"\#(Int(until.timeIntervalSince1970))"}"#
        } else {
            #"{"is_active":false}"#
        }
        await sendMexUpdate(phone: phone, operation: "NotificationUserReachoutTimelockUpdate",
                            json: #"{"data":{"xwa2_notify_account_reachout_timelock":\#(payload)}}"#)
    }

    /// `<notification type="mex"><update op_name=…>{json}</update></notification>` to every device of
    /// `phone` that is logged in: how the server announces account-level changes (brief §12).
    func sendMexUpdate(phone: String, operation: String, json: String) async {
        let notification = Node("notification", [("from", .jid(.serverJID)), ("id", .string(requestID())), ("type", .string("mex")),
                                                  ("t", .string(String(Int(Date().timeIntervalSince1970))))], content: .nodes([
            Node("update", [("op_name", .string(operation))], content: .bytes(Array(json.utf8))),
        ]))
        for (connection, device) in loggedIn where device.phone == phone {
            try? await send(notification, to: connection)
        }
    }
}

/// A cap on how many new chats an account may start in a cycle, announced as WhatsApp does
/// with `MessageCappingInfoNotification` (brief §12's 2026 notes). A new chat is a message to
/// someone who never wrote to the account (no privacy token from them) and whom it has not
/// written to before in this cycle. The warning thresholds are the simulator's choice: the first
/// warning at half the quota, the second one chat before it is used up.
struct NewChatCap {
    var total: Int
    var cycleEnd: Date
    var started: Set<String> = []
    var lastStatus = "NONE"

    var status: String {
        if started.count >= total { return "CAPPED" }
        if started.count >= total - 1 { return "SECOND_WARNING" }
        if started.count * 2 >= total { return "FIRST_WARNING" }
        return "NONE"
    }
}

extension WhatsAppSimulator {
    /// Caps the new chats `phone` may start until `cycleEnd`; nil `total` removes the cap and
    /// announces `NONE` (a new cycle).
    public func capNewChats(phone: String, total: Int?, cycleEnd: Date = Date().addingTimeInterval(86_400)) async {
        guard let total else {
            newChatCaps[phone] = nil
            await sendNewChatCap(phone: phone, status: "NONE", used: 0, total: 0, cycleEnd: cycleEnd)
            return
        }
        newChatCaps[phone] = NewChatCap(total: total, cycleEnd: cycleEnd)
    }

    /// Whether a message starts a new chat: the recipient never wrote to the sender (gave no token).
    private func isNewChat(from sender: SimulatedAccount, to recipient: SimulatedAccount) -> Bool {
        privacyTokens["\(recipient.phone)>\(sender.phone)"] == nil
    }

    func newChatCapRefuses(from sender: SimulatedAccount, to recipient: SimulatedAccount) -> Bool {
        guard let cap = newChatCaps[sender.phone], cap.cycleEnd > Date(), !cap.started.contains(recipient.phone) else { return false }
        return cap.started.count >= cap.total && isNewChat(from: sender, to: recipient)
    }

    /// Counts an accepted message that started a new chat, and announces a change of status.
    func countNewChat(from sender: SimulatedAccount, to recipient: SimulatedAccount) async {
        guard var cap = newChatCaps[sender.phone], cap.cycleEnd > Date(), isNewChat(from: sender, to: recipient) else { return }
        cap.started.insert(recipient.phone)
        let status = cap.status
        let changed = status != cap.lastStatus
        cap.lastStatus = status
        newChatCaps[sender.phone] = cap
        if changed { await sendNewChatCap(phone: sender.phone, status: status, used: cap.started.count, total: cap.total, cycleEnd: cap.cycleEnd) }
    }

    /// `<notification type="mex"><update op_name="MessageCappingInfoNotification">`, as Baileys parses it.
    private func sendNewChatCap(phone: String, status: String, used: Int, total: Int, cycleEnd: Date) async {
        let payload = #"{"capping_status":"\#(status)","used_quota":\#(used),"total_quota":\#(total),"cycle_end_timestamp":"\#(Int(cycleEnd.timeIntervalSince1970))"}"#
        await sendMexUpdate(phone: phone, operation: "MessageCappingInfoNotification",
                            json: #"{"data":{"xwa2_notify_new_chat_messages_capping_info_update":\#(payload)}}"#)
    }
}
