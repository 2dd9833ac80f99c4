import Foundation
import SignalProtocol
import WABinary
import WAProto

extension WhatsAppSession {
    // MARK: - Receipts for what we sent (§6.8)

    func handleReceipt(_ node: Node, on connection: NodeConnection) async {
        guard let id = node.string("id") else { return }
        try? await connection.send(Self.ack(for: node, id: id))
        if directory.learnAddresses(from: node) { await saveDirectory() }
        let ids = [id] + (node.child("list")?.children.compactMap { $0.string("id") } ?? [])
        let at = node.string("t").flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        switch node.string("type") {
        case nil, "inactive"?:
            for id in ids { emit(.delivered(messageId: id, at: at)) }
        case "read"?, "read-self"?, "played"?:
            for id in ids { emit(.read(messageId: id, at: at)) }
        case "retry"?:
            await answerRetry(node, id: id, on: connection)
        default:
            break
        }
    }

    /// A device could not decrypt our message: rebuild the session (from the keys it sent, or a
    /// fresh bundle) and re-encrypt the stored message for that one device (§6.9).
    private func answerRetry(_ node: Node, id: String, on connection: NodeConnection) async {
        guard let from = node.jid("from"), var entry = await sentMessages.entry(id: id),
              let chat = JID(parsing: entry.chat) else {
            logger.warning("retry receipt for unknown message \(id)")
            return
        }
        let count = Int(node.child("retry")?.string("count") ?? "1") ?? 1
        let key = from.description
        entry.retries[key, default: 0] += 1
        guard entry.retries[key]! <= 5, count < 10 else { return }
        try? await sentMessages.save(entry)
        do {
            if let keys = node.child("keys"), let registration = node.childData("registration") {
                var bundleNode = keys
                bundleNode.content = .nodes(keys.children + [Node("registration", content: .bytes([UInt8](registration)))])
                let bundle = try Self.bundle(from: bundleNode, device: from)
                try await withSignalSession(from) { try await $0.processBundle(bundle) }
            } else {
                try await ensureSessions([from], force: count >= 2, on: connection)
            }
            var message = try WAWebProtobufsE2E_Message(serializedBytes: entry.message)
            let me = credentials.lidJID.flatMap(JID.init(parsing:))
            if from.user == me?.user || from.user == phone {
                var dsm = WAWebProtobufsE2E_Message()
                dsm.deviceSentMessage.destinationJid = chat.description
                dsm.deviceSentMessage.message = message
                message = dsm
            }
            let mediaType: String? = message.hasImageMessage || message.deviceSentMessage.message.hasImageMessage ? "image" : nil
            let padded = Self.pad(try message.serializedData())
            let encrypted: CiphertextMessage = try await withSignalSession(from) { try await $0.encrypt(padded) }
            var attributes: [(key: String, value: Node.AttributeValue)] = [
                ("id", .string(id)), ("to", .jid(from)), ("type", .string(mediaType == nil ? "text" : "media")), ("device_fanout", .string("false")),
            ]
            if let t = node.child("retry")?.string("t") { attributes.append(("t", .string(t))) }
            var children = [Self.encNode(encrypted, mediaType: mediaType, count: count)]
            if encrypted.kind == .preKey, let account = credentials.account {
                children.append(Node("device-identity", content: .bytes([UInt8](account))))
            }
            try await connection.send(Node("message", attributes, content: .nodes(children)))
            logger.info("answered retry \(count) for \(id) from \(from)")
        } catch {
            logger.warning("could not answer retry for \(id) from \(from): \(error)")
        }
    }

    // MARK: - Incoming messages (§9)

    func handleIncomingMessage(_ node: Node, on connection: NodeConnection) async {
        guard let id = node.string("id"), let from = node.jid("from") else { return }
        // The LID is the Signal address when we know it; learn the mapping from the stanza.
        var sender = from
        let learned = directory.learnAddresses(from: node)
        if from.isPhoneNumberUser, let lid = node.jid("sender_lid"), lid.isLID {
            sender = JID(user: lid.user, server: lid.server, device: from.device)
        }
        // contacts.json is written (and fsynced) only when a stanza taught us something new.
        if learned { await saveDirectory() }
        let encs = node.children.filter { $0.tag == "enc" }
        var decrypted: [WAWebProtobufsE2E_Message] = []
        var failed = false
        for enc in encs {
            guard let bytes = enc.bytes else { continue }
            let kind = enc.string("type")
            guard kind == "pkmsg" || kind == "msg" else { continue }
            do {
                let plain: Data = try await withSignalSession(sender) { cipher in
                    kind == "pkmsg" ? try await cipher.decrypt(preKey: Data(bytes)).plaintext : try await cipher.decrypt(whisper: Data(bytes))
                }
                decrypted.append(try WAWebProtobufsE2E_Message(serializedBytes: try Self.unpad(plain)))
                decryptFailures[sender.description] = nil
            } catch {
                logger.warning("could not decrypt message \(id) from \(sender): \(error)")
                failed = true
                await resetSessionIfFailing(sender)
            }
        }
        if failed && decrypted.isEmpty {
            await sendRetryReceipt(for: node, id: id, on: connection)
            try? await connection.send(Self.ack(for: node, id: id))
            return
        }
        // The delivery receipt doubles as the ack; "inactive" because we stay unavailable.
        var receipt: [(key: String, value: Node.AttributeValue)] = [("id", .string(id)), ("to", .jid(from))]
        if let participant = node[attribute: "participant"] { receipt.append(("participant", participant)) }
        let fromUs = from.user == phone || from.user == credentials.lidJID.flatMap(JID.init(parsing:))?.user
        receipt.append(("type", .string(fromUs ? "sender" : "inactive")))
        try? await connection.send(Node("receipt", receipt))
        guard !fromUs, from.server != JID.Server.group, from.server != JID.Server.broadcast else { return }
        let at = node.string("t").flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        let phone = from.isPhoneNumberUser ? from.user : directory.phone(forLID: from.user)
        for message in decrypted {
            guard let text = Self.text(of: message) else { continue }
            guard let phone else {
                logger.warning("a reply from \(from) whose phone number is unknown was not counted")
                continue
            }
            emit(.incoming(phone: phone, messageId: id, text: text, at: at))
        }
    }

    /// After three failures in a row from one device (libsignal clients' "Bad MAC" recovery), the
    /// stored session is dropped so the sender's next prekey message, prompted by our retry
    /// receipt with keys, starts a fresh one.
    private func resetSessionIfFailing(_ sender: JID) async {
        let key = sender.description
        decryptFailures[key, default: 0] += 1
        guard decryptFailures[key]! >= 3 else { return }
        decryptFailures[key] = nil
        try? await signalLocks.withLock(Self.address(of: sender)) { try await storage.signalStore.deleteSession(for: Self.address(of: sender)) }
        sessionResets += 1
        logger.warning("reset the Signal session with \(sender) after repeated decryption failures")
    }

    /// Strips the random padding, checking it is well formed.
    static func unpad(_ data: Data) throws -> Data {
        guard let n = data.last, n > 0, Int(n) <= data.count, data.suffix(Int(n)).allSatisfy({ $0 == n }) else {
            throw WhatsAppError(.protocolViolation("message padding is malformed"))
        }
        return data.dropLast(Int(n))
    }

    /// The text a contact wrote, after unwrapping the usual wrappers (§9.4); nil for protocol
    /// messages, reactions and edits.
    static func text(of message: WAWebProtobufsE2E_Message) -> String? {
        var message = message
        if message.hasDeviceSentMessage { message = message.deviceSentMessage.message }
        for _ in 0..<4 {
            if message.hasEphemeralMessage { message = message.ephemeralMessage.message }
            else if message.hasViewOnceMessage { message = message.viewOnceMessage.message }
            else if message.hasViewOnceMessageV2 { message = message.viewOnceMessageV2.message }
            else if message.hasDocumentWithCaptionMessage { message = message.documentWithCaptionMessage.message }
            else if message.hasBotInvokeMessage { message = message.botInvokeMessage.message }
            else { break }
        }
        if message.hasEditedMessage || message.hasProtocolMessage || message.hasReactionMessage { return nil }
        if message.hasConversation { return message.conversation }
        if message.hasExtendedTextMessage { return message.extendedTextMessage.text }
        if message.hasImageMessage { return message.imageMessage.caption }
        if message.hasVideoMessage { return message.videoMessage.caption }
        if message.hasDocumentMessage { return message.documentMessage.caption }
        return nil
    }

    /// Asks the sender to re-encrypt (§9.3), with our keys so it can rebuild the session.
    private func sendRetryReceipt(for node: Node, id: String, on connection: NodeConnection) async {
        guard let from = node[attribute: "from"] else { return }
        let count = (Int(node.child("enc")?.string("count") ?? "0") ?? 0) + 1
        guard count < 5 else { return }
        do {
            let store = storage.signalStore
            let identity = try await store.identityKeyPair()
            var children = [
                Node("retry", [("count", .string(String(count))), ("id", .string(id)), ("t", .string(node.string("t") ?? "0")), ("v", .string("1"))]),
                Node("registration", content: .bytes([UInt8](bigEndian(identity.registrationId, bytes: 4)))),
            ]
            if count > 1, let signed = try await store.signedPreKey(id: credentials.signedPreKeyId) {
                let preKey = PreKeyRecord(id: credentials.nextPreKeyId & 0xFF_FFFF, keyPair: .generate())
                credentials.nextPreKeyId += 1
                credentials.firstUnuploadedPreKeyId = max(credentials.firstUnuploadedPreKeyId, credentials.nextPreKeyId)
                try await store.storePreKey(preKey)
                try await storage.saveCredentials(credentials)
                var keys = [
                    Node("type", content: .bytes([PublicKey.typeByte])),
                    Node("identity", content: .bytes([UInt8](identity.keyPair.publicKey.raw))),
                    Node("key", content: .nodes([Node("id", content: .bytes([UInt8](bigEndian(preKey.id, bytes: 3)))),
                                                 Node("value", content: .bytes([UInt8](preKey.keyPair.publicKey.raw)))])),
                    Node("skey", content: .nodes([Node("id", content: .bytes([UInt8](bigEndian(signed.id, bytes: 3)))),
                                                  Node("value", content: .bytes([UInt8](signed.keyPair.publicKey.raw))),
                                                  Node("signature", content: .bytes([UInt8](signed.signature)))])),
                ]
                if let account = credentials.account { keys.append(Node("device-identity", content: .bytes([UInt8](account)))) }
                children.append(Node("keys", content: .nodes(keys)))
            }
            var attributes: [(key: String, value: Node.AttributeValue)] = [("id", .string(id)), ("to", from), ("type", .string("retry"))]
            if let participant = node[attribute: "participant"] { attributes.append(("participant", participant)) }
            try await connection.send(Node("receipt", attributes, content: .nodes(children)))
        } catch {
            logger.warning("could not send a retry receipt for \(id): \(error)")
        }
    }

    // MARK: - Notifications

    func handleNotification(_ node: Node, on connection: NodeConnection) async {
        guard let id = node.string("id") else { return }
        try? await connection.send(Self.ack(for: node, id: id))
        if directory.learnAddresses(from: node) { await saveDirectory() }
        switch node.string("type") {
        case "encrypt"?:
            if let count = node.child("count")?.string("value").flatMap(Int.init), count < 5 {
                track { try? await self.refillPreKeys(on: connection, force: true) }
            } else if node.child("identity") != nil, let from = node.jid("from") {
                // The contact reinstalled: their sessions are stale, new ones are built on the next send.
                for device in directory.devices[from.userJID.description] ?? [0] {
                    try? await storage.signalStore.deleteSession(for: Self.address(of: JID(user: from.user, server: from.server, device: device)))
                }
            }
        case "devices"?:
            if let from = node.jid("from") {
                directory.devices[from.userJID.description] = nil
                if let lid = node.jid("lid") { directory.devices[lid.userJID.description] = nil }
                await saveDirectory()
                logger.info("device list of \(from) changed")
            }
        case "privacy_token"?:
            let sender = node.jid("sender_lid") ?? node.jid("from")
            for token in node.child("tokens")?.children ?? [] where token.string("type") == "trusted_contact" {
                guard let bytes = token.bytes, let t = token.string("t").flatMap(Int.init), let sender, sender.isLID else { continue }
                directory.privacyTokens[sender.user] = .init(token: Data(bytes), timestamp: t)
            }
            await saveDirectory()
        case "mex"?:
            await handleMexNotification(node)
        case "link_code_companion_reg"?:
            do { try await finishCodePairing(node, on: connection) } catch {
                logger.error("pairing by code failed: \(error)")
                emit(.notice("\(error)"))
            }
        default:
            break
        }
    }
}
