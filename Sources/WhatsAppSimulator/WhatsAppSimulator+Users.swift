import Crypto
import Foundation
import SignalProtocol
import WABinary

extension WhatsAppSimulator {
    /// The account a JID names, by phone number or LID.
    func account(for jid: JID) -> SimulatedAccount? {
        if jid.isLID { return phoneByLID[jid.user].flatMap { accounts[$0] } }
        return accounts[jid.user]
    }

    /// Every device of an account: phone-side devices and linked companions, sorted.
    func deviceIDs(of account: SimulatedAccount) -> [UInt16] {
        let linked = companions.values.filter { $0.phone == account.phone }.map(\.deviceId)
        return (account.phoneDevices + linked).sorted()
    }

    /// Answer number checks with the phone number only, without the LID (clients must then ask
    /// for it with a `<lid/>` query, brief §7.2).
    public func answerContactChecksWithoutLID(_ on: Bool = true) {
        contactChecksWithoutLID = on
    }

    /// usync (§6.2, §7.1): number checks, device lists and LIDs.
    func usync(_ iq: Node, id: String) -> Node {
        guard let usync = iq.child("usync"), let list = usync.child("list") else {
            return .iqError(id: id, code: 400, text: "bad-request")
        }
        let protocols = Set(usync.child("query")?.children.map(\.tag) ?? [])
        var users: [Node] = []
        for user in list.children where user.tag == "user" {
            if let contact = user.child("contact"), let bytes = contact.bytes {
                // "+62812…@c.us" (whatsmeow) or "+62812…" (Baileys).
                let echo = String(decoding: bytes, as: UTF8.self)
                let digits = String(echo.split(separator: "@").first ?? "").filter(\.isNumber)
                if let account = accounts[digits] {
                    record(.numberChecked(phone: digits, registered: true))
                    // Some answers name the phone number only (as whatsmeow meets them): the LID
                    // then has to be asked for with a `<lid/>` query.
                    let jid: [(key: String, value: Node.AttributeValue)] = contactChecksWithoutLID
                        ? [("jid", .jid(account.phoneJID))] : [("jid", .jid(account.lidJID)), ("pn_jid", .jid(account.phoneJID))]
                    users.append(Node("user", jid, content: .nodes([
                        Node("contact", [("type", .string("in"))], content: .string(echo)),
                    ])))
                } else {
                    record(.numberChecked(phone: digits, registered: false))
                    users.append(Node("user", [("jid", .jid(JID(user: digits, server: JID.Server.user)))], content: .nodes([
                        Node("contact", [("type", .string("out"))], content: .string(echo)),
                    ])))
                }
                continue
            }
            guard let jid = user.jid("jid"), let account = account(for: jid) else {
                if let jid = user.jid("jid") {
                    users.append(Node("user", [("jid", .jid(jid))], content: .nodes([Node("error", [("code", .string("404")), ("text", .string("item-not-found"))])])))
                }
                continue
            }
            var children: [Node] = []
            if protocols.contains("devices") {
                let devices = deviceIDs(of: account).map { id -> Node in
                    id == 0 ? Node("device", [("id", .string("0"))]) : Node("device", [("id", .string(String(id))), ("key-index", .string(String(id)))])
                }
                children.append(Node("devices", content: .nodes([
                    Node("device-list", content: .nodes(devices)),
                    Node("key-index-list", [("ts", .string(String(Int(Date().timeIntervalSince1970))))]),
                ])))
            }
            if protocols.contains("lid") {
                if jid.isPhoneNumberUser { lidLookups.append(account.phone) }
                children.append(Node("lid", [("val", .jid(account.lidJID))]))
            }
            if protocols.contains("business") { children.append(Node("business")) }
            if protocols.contains("status") { children.append(Node("status")) }
            if protocols.contains("picture") { children.append(Node("picture")) }
            users.append(Node("user", [("jid", .jid(jid.userJID))], content: .nodes(children)))
        }
        return .iq(id: id, type: "result", children: [
            Node("usync", [("sid", .string(usync.string("sid") ?? "")), ("mode", .string(usync.string("mode") ?? "query")),
                           ("context", .string(usync.string("context") ?? "message")), ("last", .string("true")), ("index", .string("0"))],
                 content: .nodes([Node("list", content: .nodes(users))])),
        ])
    }

    /// Prekey bundles (§6.3) for phone-side devices and linked companions; one-time prekeys are
    /// handed out once.
    func bundles(_ iq: Node, id: String) async -> Node {
        var users: [Node] = []
        for request in iq.child("key")?.children ?? [] where request.tag == "user" {
            guard let jid = request.jid("jid"), let account = account(for: jid) else { continue }
            let key = "\(account.phone):\(jid.device)"
            let deviceJID = request[attribute: "jid"] ?? .jid(jid)
            if var device = phoneDevices[key] {
                var children = [
                    Node("registration", content: .bytes(Self.bigEndian(device.registrationId, 4))),
                    Node("type", content: .bytes([5])),
                    Node("identity", content: .bytes([UInt8](await device.identityKey.raw))),
                    Self.skey(id: device.signedPreKey.id, key: device.signedPreKey.keyPair.publicKey, signature: device.signedPreKey.signature),
                ]
                if !device.unusedPreKeys.isEmpty {
                    let preKey = device.unusedPreKeys.removeFirst()
                    children.append(Self.key(id: preKey.id, key: preKey.keyPair.publicKey))
                    phoneDevices[key] = device
                }
                users.append(Node("user", [("jid", deviceJID)], content: .nodes(children)))
            } else if var companion = companions[key] {
                var children = [
                    Node("registration", content: .bytes(Self.bigEndian(companion.registrationId, 4))),
                    Node("type", content: .bytes([5])),
                    Node("identity", content: .bytes([UInt8](companion.identityKey.raw))),
                    Self.skey(id: companion.signedPreKeyId, key: companion.signedPreKey, signature: companion.signedPreKeySignature),
                ]
                if let preKeyID = companion.preKeys.keys.min(), let preKey = companion.preKeys.removeValue(forKey: preKeyID) {
                    children.append(Self.key(id: preKeyID, key: preKey))
                    companions[key] = companion
                }
                users.append(Node("user", [("jid", deviceJID)], content: .nodes(children)))
            } else {
                users.append(Node("user", [("jid", deviceJID)], content: .nodes([Node("error", [("code", .string("404")), ("text", .string("item-not-found"))])])))
            }
        }
        return .iq(id: id, type: "result", children: [Node("list", content: .nodes(users))])
    }

    static func bigEndian(_ value: UInt32, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    static func key(id: UInt32, key: PublicKey) -> Node {
        Node("key", content: .nodes([Node("id", content: .bytes(bigEndian(id, 3))), Node("value", content: .bytes([UInt8](key.raw)))]))
    }

    static func skey(id: UInt32, key: PublicKey, signature: Data) -> Node {
        Node("skey", content: .nodes([Node("id", content: .bytes(bigEndian(id, 3))), Node("value", content: .bytes([UInt8](key.raw))),
                                      Node("signature", content: .bytes([UInt8](signature)))]))
    }

    /// The device-list hash of one user (`device_hash` in device notifications, §6.2).
    static func deviceHash(user: JID, devices: [UInt16]) -> String {
        participantHash([(user, devices)])
    }

    /// The participant-list hash WhatsApp puts in message acks: every device of the recipient and
    /// of the sender, as whatsmeow compares it (`participantListHashV2` over its `allDevices`).
    func participantHash(_ accounts: [SimulatedAccount]) -> String {
        Self.participantHash(accounts.map { ($0.lidJID, deviceIDs(of: $0)) })
    }

    static func participantHash(_ users: [(user: JID, devices: [UInt16])]) -> String {
        let strings = users.flatMap { user in user.devices.map { "\(user.user.user).0:\($0)@\(user.user.server)" } }.sorted()
        let digest = Data(Crypto.SHA256.hash(data: Data(strings.joined().utf8))).prefix(6)
        return "2:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}
