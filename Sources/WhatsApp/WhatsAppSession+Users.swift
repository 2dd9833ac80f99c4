import Foundation
import SignalProtocol
import WABinary

extension WhatsAppSession {
    /// Whether `phone` is on WhatsApp, and its LID (usync contact query, §7.1). Cached: positive
    /// answers until the server says otherwise, negative ones for a week. Nil only when the server
    /// says the number is not registered.
    func checkNumber(_ phone: String, on connection: NodeConnection) async throws -> String? {
        if let lid = directory.lidByPhone[phone], directory.numberChecks[phone]?.registered != false { return lid }
        if let check = directory.numberChecks[phone], !check.registered,
           Date().timeIntervalSince(check.checkedAt) < ContactDirectory.negativeCheckLifetime { return nil }
        // Registered, but its LID was never given: ask for the LID only.
        if directory.numberChecks[phone]?.registered == true { return try await lookUpLID(of: phone, on: connection) }
        let answer = try await connection.query(xmlns: "usync", type: "get", children: [
            Self.usync(context: "interactive", query: [
                Node("contact", [("addressing_mode", .string("lid"))]),
                Node("business", content: .nodes([Node("verified_name")])),
            ], users: [Node("user", content: .nodes([Node("contact", content: .string("+\(phone)@c.us"))]))]),
        ], timeout: configuration.queryTimeout)
        guard let user = answer.child("usync")?.child("list")?.children.first(where: { $0.tag == "user" }) else {
            throw WhatsAppError(.protocolViolation("the number check for \(phone) came back without a user"))
        }
        let registered = user.child("contact")?.string("type") == "in"
        directory.numberChecks[phone] = .init(registered: registered, checkedAt: Date())
        if registered, let lid = Self.lid(inUsyncUser: user) { directory.learn(phone: phone, lid: lid) }
        await saveDirectory()
        guard registered else { return nil }
        if let lid = directory.lidByPhone[phone] { return lid }
        return try await lookUpLID(of: phone, on: connection)
    }

    /// The LID of a registered number whose contact check named none: whatsmeow's `GetUserInfo`
    /// and Baileys' LID lookup ask usync for `<lid/>` by phone JID (brief §7.2). No LID in the
    /// answer is a failure for now (whatsmeow's "no LID found"), not a "not on WhatsApp".
    private func lookUpLID(of phone: String, on connection: NodeConnection) async throws -> String {
        let answer = try await connection.query(xmlns: "usync", type: "get", children: [
            Self.usync(context: "background", query: [Node("lid")],
                       users: [Node("user", [("jid", .jid(JID(user: phone, server: JID.Server.user)))])]),
        ], timeout: configuration.queryTimeout)
        let user = answer.child("usync")?.child("list")?.children.first { $0.tag == "user" }
        guard let user, let lid = Self.lid(inUsyncUser: user) else {
            throw WhatsAppError(.protocolViolation("WhatsApp knows \(phone) but gave no LID for it; it is asked again on the next try"))
        }
        directory.learn(phone: phone, lid: lid)
        await saveDirectory()
        return lid
    }

    /// The LID user a usync `<user>` names: its `jid` when that is a LID, or its `<lid val=…>`.
    static func lid(inUsyncUser user: Node) -> String? {
        if let jid = user.jid("jid"), jid.isLID { return jid.user }
        if let val = user.child("lid")?.jid("val"), val.isLID { return val.user }
        return nil
    }

    /// Device lists (usync devices, §6.2) of LID users, from the cache where we have them.
    func devices(of users: [JID], on connection: NodeConnection, refresh: Bool = false) async throws -> [JID] {
        var missing = users.filter { refresh || directory.devices[$0.description] == nil }
        missing = Array(Set(missing))
        if !missing.isEmpty {
            let answer = try await connection.query(xmlns: "usync", type: "get", children: [
                Self.usync(context: "message", query: [Node("devices", [("version", .string("2"))])],
                           users: missing.map { Node("user", [("jid", .jid($0))]) }),
            ], timeout: configuration.queryTimeout)
            for user in answer.child("usync")?.child("list")?.children ?? [] where user.tag == "user" {
                guard let jid = user.jid("jid") else { continue }
                let ids = user.child("devices")?.child("device-list")?.children.filter { $0.tag == "device" }
                    .compactMap { $0.string("id").flatMap { UInt16($0) } } ?? []
                directory.devices[jid.userJID.description] = ids
            }
            await saveDirectory()
        }
        var result: [JID] = []
        for user in users {
            for device in directory.devices[user.description] ?? [] {
                result.append(JID(user: user.user, server: user.server, device: device))
            }
        }
        return result
    }

    static func usync(context: String, query: [Node], users: [Node]) -> Node {
        Node("usync", [("sid", .string("\(UInt32.random(in: 1...UInt32.max))")), ("mode", .string("query")), ("context", .string(context)),
                       ("last", .string("true")), ("index", .string("0"))], content: .nodes([
            Node("query", content: .nodes(query)),
            Node("list", content: .nodes(users)),
        ]))
    }

    /// The Signal address of a device JID: `<user>` for phone numbers, `<user>_1` for LIDs.
    static func address(of jid: JID) -> SignalAddress {
        SignalAddress(name: jid.isLID ? jid.user + "_1" : jid.user, deviceId: UInt32(jid.device))
    }

    /// Makes sure a Signal session exists with each device, fetching prekey bundles (§6.3) for the
    /// ones without; `force` rebuilds them (after a retry receipt without keys).
    func ensureSessions(_ devices: [JID], force: Bool = false, on connection: NodeConnection) async throws {
        var needed: [JID] = []
        for device in devices {
            let has = try await withSignalSession(device) { try await $0.hasSession() }
            if force || !has { needed.append(device) }
        }
        guard !needed.isEmpty else { return }
        let answer = try await connection.query(xmlns: "encrypt", type: "get", children: [
            Node("key", content: .nodes(needed.map { Node("user", [("jid", .jid($0)), ("reason", .string("identity"))]) })),
        ], timeout: configuration.queryTimeout)
        for user in answer.child("list")?.children ?? [] where user.tag == "user" {
            guard let jid = user.jid("jid") else { continue }
            if let error = user.child("error") {
                logger.warning("no prekey bundle for \(jid): \(error.string("code") ?? "?") \(error.string("text") ?? "")")
                continue
            }
            let bundle = try Self.bundle(from: user.child("keys") ?? user, device: jid)
            try await withSignalSession(jid) { try await $0.processBundle(bundle) }
        }
    }

    static func bundle(from node: Node, device: JID) throws -> PreKeyBundle {
        guard let registration = node.childData("registration"), registration.count == 4,
              let identity = node.childData("identity"), let skey = node.child("skey"),
              let skeyID = skey.childData("id"), let skeyValue = skey.childData("value"), let signature = skey.childData("signature") else {
            throw WhatsAppError(.protocolViolation("a prekey bundle for \(device) is incomplete"))
        }
        var preKeyID: UInt32?
        var preKey: PublicKey?
        if let key = node.child("key"), let id = key.childData("id"), let value = key.childData("value") {
            preKeyID = id.bigEndianUInt32
            preKey = try PublicKey(raw: value)
        }
        return PreKeyBundle(registrationId: registration.bigEndianUInt32, deviceId: UInt32(device.device), preKeyId: preKeyID, preKey: preKey,
                            signedPreKeyId: skeyID.bigEndianUInt32, signedPreKey: try PublicKey(raw: skeyValue),
                            signedPreKeySignature: signature, identityKey: try PublicKey(raw: identity))
    }
}
