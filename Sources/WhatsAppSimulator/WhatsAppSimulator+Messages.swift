import Crypto
import CryptoExtras
public import Foundation
import SignalProtocol
import WABinary
import WAProto

/// One `<message>` the simulator accepted.
public struct AcceptedMessage: Sendable, Equatable, Codable {
    public var id: String
    public var senderPhone: String
    public var senderDevice: UInt16
    public var recipientPhone: String
    /// Devices the stanza carried an `<enc>` for, as `phone:device`.
    public var devices: [String]
    public var type: String
    public var at: Date
    /// The connection that sent it (see `connectionLog`): two clients of one device, such as two
    /// workers of a cluster, are told apart by it.
    public var connection: Int? = nil
}

extension WhatsAppSimulator {
    // MARK: - Accepting messages (§6.7)

    func acceptMessage(_ node: Node, from device: (phone: String, deviceId: UInt16), connection: Int) async throws {
        guard let id = node.string("id"), let to = node.jid("to"), let sender = accounts[device.phone] else {
            record(.messageRejected(id: node.string("id") ?? "?", reason: "a message needs id and to"))
            return
        }
        guard let recipient = account(for: to) else {
            try await reject(node, id: id, code: "404", reason: "the recipient \(to) is not on WhatsApp", connection: connection)
            return
        }
        let type = node.string("type") ?? ""
        guard ["text", "media", "reaction", "poll", "event"].contains(type) else {
            try await reject(node, id: id, code: "479", reason: "unknown message type '\(type)'", connection: connection)
            return
        }
        // Collect (target device key, enc) pairs: a fan-out under <participants>, or one <enc> for a retry.
        var targets: [(account: SimulatedAccount, device: UInt16, enc: Node)] = []
        if let participants = node.child("participants") {
            for entry in participants.children {
                guard entry.tag == "to", let jid = entry.jid("jid"), let owner = account(for: jid),
                      owner.phone == recipient.phone || owner.phone == sender.phone else {
                    try await reject(node, id: id, code: "479", reason: "a participant is not a device of the recipient or sender", connection: connection)
                    return
                }
                let encs = entry.children.filter { $0.tag == "enc" }
                guard encs.count == 1, let enc = encs.first, Self.validEnc(enc) else {
                    try await reject(node, id: id, code: "479", reason: "participant \(jid) needs exactly one <enc v=2 type=pkmsg|msg>", connection: connection)
                    return
                }
                targets.append((owner, jid.device, enc))
            }
            // Every device of the recipient and of the sender's own account must get a copy.
            let required = Set(deviceIDs(of: recipient).map { "\(recipient.phone):\($0)" })
                .union(deviceIDs(of: sender).map { "\(sender.phone):\($0)" }).subtracting(["\(sender.phone):\(device.deviceId)"])
            let given = Set(targets.map { "\($0.account.phone):\($0.device)" })
            if given != required {
                let missing = required.subtracting(given).sorted(), extra = given.subtracting(required).sorted()
                try await reject(node, id: id, code: "479",
                                 reason: "stale device list: missing \(missing), unknown \(extra)", connection: connection, phashFor: [recipient, sender])
                return
            }
        } else if let enc = node.child("enc"), Self.validEnc(enc), node.string("device_fanout") == "false", to.device != 0 || account(for: to) != nil {
            targets.append((recipient, to.device, enc))
        } else {
            try await reject(node, id: id, code: "479", reason: "a message needs <participants> (or one <enc> for a retry)", connection: connection)
            return
        }
        if targets.contains(where: { $0.enc.string("type") == "pkmsg" }) {
            if let reason = checkDeviceIdentity(node.childBytes("device-identity"), sender: sender, device: device.deviceId) {
                try await reject(node, id: id, code: "479", reason: reason, connection: connection)
                return
            }
        }
        // A sender restricted from new chats may only write to people who gave it their token.
        if reachOutRefuses(node, from: sender, to: recipient) {
            try await reject(node, id: id, code: "463", reason: "\(sender.phone) is restricted from starting new chats", connection: connection)
            await announceReachOutLockAfterRefusal(sender.phone)
            return
        }
        // A sender whose new-chat cap is used up may not start another chat this cycle.
        if newChatCapRefuses(from: sender, to: recipient) {
            try await reject(node, id: id, code: "463", reason: "\(sender.phone) used up its new chats for this cycle", connection: connection)
            return
        }
        // Faults a test asked for.
        if let code = takeAckErrorFault() {
            try await send(Node("ack", [("class", .string("message")), ("id", .string(id)), ("from", .jid(to)), ("error", .string(code))]), to: connection)
            record(.messageRejected(id: id, reason: "injected ack error \(code)"))
            return
        }
        let accepted = AcceptedMessage(id: id, senderPhone: sender.phone, senderDevice: device.deviceId, recipientPhone: recipient.phone,
                                       devices: targets.map { "\($0.account.phone):\($0.device)" }, type: type, at: Date(),
                                       connection: connection)
        acceptedMessages.append(accepted)
        await countNewChat(from: sender, to: recipient)
        writeRecord(accepted)
        record(.messageAccepted(id: id, from: sender.phone, to: recipient.phone))
        if !takeLoseAckFault() {
            try await send(Node("ack", [("class", .string("message")), ("id", .string(id)), ("from", .jid(to.userJID)),
                                        ("t", .string(String(Int(Date().timeIntervalSince1970)))),
                                        ("phash", .string(takeForeignHashFault() ? "2:AAAAAAAA" : participantHash([recipient, sender])))]),
                           to: connection)
        }
        let senderJID = JID(user: sender.lid, server: JID.Server.lid, device: device.deviceId)
        for target in targets {
            let key = "\(target.account.phone):\(target.device)"
            if phoneDevices[key] != nil {
                await deliverToPhone(key: key, enc: target.enc, id: id, sender: sender, senderDevice: device.deviceId,
                                     chat: to.userJID, own: target.account.phone == sender.phone, senderConnection: connection)
            } else {
                var attributes: [(key: String, value: Node.AttributeValue)] = [
                    ("from", .jid(senderJID)), ("id", .string(id)), ("t", .string(String(Int(Date().timeIntervalSince1970)))),
                    ("type", .string(type)), ("sender_pn", .jid(sender.phoneJID)),
                ]
                if target.account.phone == sender.phone { attributes.append(("recipient", .jid(to.userJID))) }
                var children = [target.enc]
                if let identity = node.child("device-identity") { children.append(identity) }
                await deliverToCompanion(key: key, Node("message", attributes, content: .nodes(children)))
            }
        }
        await applyDropFault(connection: connection)
    }

    static func validEnc(_ enc: Node) -> Bool {
        enc.string("v") == "2" && ["pkmsg", "msg"].contains(enc.string("type") ?? "") && !(enc.bytes ?? []).isEmpty
    }

    private func reject(_ node: Node, id: String, code: String, reason: String, connection: Int, phashFor accounts: [SimulatedAccount] = []) async throws {
        var attributes: [(key: String, value: Node.AttributeValue)] = [("class", .string("message")), ("id", .string(id)), ("error", .string(code))]
        if let to = node[attribute: "to"] { attributes.append(("from", to)) }
        if !accounts.isEmpty { attributes.append(("phash", .string(participantHash(accounts)))) }
        record(.messageRejected(id: id, reason: reason))
        try await send(Node("ack", attributes), to: connection)
    }

    /// A pkmsg must come with the sender's ADV identity, signed by its account and by the device.
    private func checkDeviceIdentity(_ bytes: Data?, sender: SimulatedAccount, device: UInt16) -> String? {
        guard let bytes else { return "a message with pkmsg needs <device-identity>" }
        guard let signed = try? WAAdv_ADVSignedDeviceIdentity(serializedBytes: bytes),
              let companion = companions["\(sender.phone):\(device)"] else { return "<device-identity> is not an ADVSignedDeviceIdentity" }
        guard signed.accountSignatureKey == sender.accountKey.publicKey.raw else { return "<device-identity> names another account key" }
        // The same bytes for the same keys verify the same way: a companion sends its identity with
        // every pkmsg until the contact answers, and two signature checks each time were a fifth of
        // the CPU of a benchmark where the simulator shares two cores with Siaran.
        let verified = bytes + companion.identityKey.raw + sender.accountKey.publicKey.raw
        if verifiedDeviceIdentities.contains(verified) { return nil }
        guard XEdDSA.verify(publicKey: sender.accountKey.publicKey, message: Data([6, 0]) + signed.details + companion.identityKey.raw,
                            signature: signed.accountSignature) else { return "<device-identity> account signature does not verify" }
        guard XEdDSA.verify(publicKey: companion.identityKey,
                            message: Data([6, 1]) + signed.details + companion.identityKey.raw + sender.accountKey.publicKey.raw,
                            signature: signed.deviceSignature) else { return "<device-identity> device signature does not verify" }
        if verifiedDeviceIdentities.count >= 10_000 { verifiedDeviceIdentities.removeAll() }
        verifiedDeviceIdentities.insert(verified)
        return nil
    }

    // MARK: - Delivery

    func deliverToCompanion(key: String, _ stanza: Node) async {
        if let connection = companionConnections[key], connections[connection] != nil {
            try? await send(stanza, to: connection)
        } else {
            offlineQueue[key, default: []].append(stanza)
        }
    }

    /// A simulated device decrypts its copy exactly as a phone would, checks it, records what it
    /// got and answers with receipts (and, scripted, a read receipt and a reply).
    private func deliverToPhone(key: String, enc: Node, id: String, sender: SimulatedAccount, senderDevice: UInt16, chat: JID, own: Bool,
                                senderConnection: Int) async {
        guard let device = phoneDevices[key], let recipient = accounts[device.phone], let bytes = enc.bytes else { return }
        let address = SignalAddress(name: sender.lid + "_1", deviceId: UInt32(senderDevice))
        let cipher = SessionCipher(store: device.store, address: address)
        let from = JID(user: recipient.lid, server: JID.Server.lid, device: device.deviceId)
        do {
            let plain = try await signalLocks.withLock(Self.lockAddress(device: key, peer: address)) {
                enc.string("type") == "pkmsg" ? try await cipher.decrypt(preKey: Data(bytes)).plaintext : try await cipher.decrypt(whisper: Data(bytes))
            }
            guard let n = plain.last, (1...16).contains(n), plain.count > Int(n), plain.suffix(Int(n)).allSatisfy({ $0 == n }) else {
                throw SimulatorError("the plaintext's padding is malformed")
            }
            var message = try WAWebProtobufsE2E_Message(serializedBytes: plain.dropLast(Int(n)))
            if own {
                guard message.hasDeviceSentMessage, message.deviceSentMessage.destinationJid == chat.description else {
                    throw SimulatorError("the copy for the sender's own device must be a DeviceSentMessage to \(chat)")
                }
                message = message.deviceSentMessage.message
            } else if message.hasDeviceSentMessage {
                throw SimulatorError("a recipient got a DeviceSentMessage")
            }
            var text: String? = message.hasConversation ? message.conversation : message.hasExtendedTextMessage ? message.extendedTextMessage.text : nil
            var imageSHA: String?
            if message.hasImageMessage {
                text = message.imageMessage.hasCaption ? message.imageMessage.caption : nil
                imageSHA = try await downloadImage(message.imageMessage)
            }
            let decrypted = DecryptedMessage(messageId: id, senderPhone: sender.phone, senderDevice: senderDevice, recipientPhone: recipient.phone,
                                             recipientDevice: device.deviceId, text: text, imageSHA256: imageSHA, deviceSent: own, at: Date())
            decryptedMessages.append(decrypted)
            writeRecord(decrypted)
            record(.decrypted(decrypted))
        } catch {
            record(.refused("device \(key) could not use message \(id): \(error)"))
            // The device asks for the message again with fresh keys, so the sender can build a new
            // session (what phones do when they have no usable session).
            try? await send(await retryReceipt(device: key, from: from, id: id), to: senderConnection)
            return
        }
        let t = String(Int(Date().timeIntervalSince1970))
        var receipt: [(key: String, value: Node.AttributeValue)] = [("from", .jid(from)), ("id", .string(id)), ("t", .string(t))]
        if own { receipt.append(("type", .string("sender"))) }
        try? await send(Node("receipt", receipt), to: senderConnection)
        guard !own, device.deviceId == 0 else { return }
        if recipient.behaviour.reads {
            try? await send(Node("receipt", [("from", .jid(recipient.lidJID)), ("id", .string(id)), ("t", .string(t)), ("type", .string("read"))]),
                            to: senderConnection)
        }
        if let reply = recipient.behaviour.reply, repliedTo.insert("\(recipient.phone)>\(sender.phone)").inserted {
            // People take a moment to answer.
            Task {
                try? await Task.sleep(for: .milliseconds(recipient.behaviour.replyDelayMilliseconds))
                await self.sendText(reply, from: recipient.phone, to: sender.phone)
            }
        }
    }

    /// A retry receipt from phone device `key` for message `id`, with the device's keys (and one
    /// of its one-time prekeys while it has any) so the sender can build a new session.
    private func retryReceipt(device key: String, from: JID, id: String) async -> Node {
        let device = phoneDevices[key]!
        var keys = [
            Node("type", content: .bytes([5])),
            Node("identity", content: .bytes([UInt8](await device.identityKey.raw))),
            Self.skey(id: device.signedPreKey.id, key: device.signedPreKey.keyPair.publicKey, signature: device.signedPreKey.signature),
        ]
        if var updated = phoneDevices[key], !updated.unusedPreKeys.isEmpty {
            let preKey = updated.unusedPreKeys.removeFirst()
            phoneDevices[key] = updated
            keys.insert(Self.key(id: preKey.id, key: preKey.keyPair.publicKey), at: 2)
        }
        return Node("receipt", [("from", .jid(from)), ("id", .string(id)), ("type", .string("retry"))], content: .nodes([
            Node("retry", [("count", .string("1")), ("id", .string(id)), ("t", .string(String(Int(Date().timeIntervalSince1970)))), ("v", .string("1"))]),
            Node("registration", content: .bytes(Self.bigEndian(device.registrationId, 4))),
            Node("keys", content: .nodes(keys)),
        ]))
    }

    /// Phone device `phone:device` asks the sender of `messageId` for it again, as phones do when a
    /// copy did not decrypt (and sometimes when it did): the sender builds a new session from the
    /// keys and sends that copy once more. False when the message or its sender is unknown.
    @discardableResult
    public func askForRetry(messageId: String, phone: String, device deviceId: UInt16 = 0) async -> Bool {
        let key = "\(phone):\(deviceId)"
        guard let accepted = acceptedMessages.last(where: { $0.id == messageId }), phoneDevices[key] != nil, let recipient = accounts[phone],
              let connection = companionConnections["\(accepted.senderPhone):\(accepted.senderDevice)"], connections[connection] != nil else { return false }
        let from = JID(user: recipient.lid, server: JID.Server.lid, device: deviceId)
        return (try? await send(await retryReceipt(device: key, from: from, id: messageId), to: connection)) != nil
    }

    /// The key a phone device's Signal step with `peer` is serialised under.
    static func lockAddress(device key: String, peer: SignalAddress) -> SignalAddress {
        SignalAddress(name: "\(key)>\(peer.name)", deviceId: peer.deviceId)
    }

    /// Downloads, checks and decrypts an image as a phone does (§8.5); returns the SHA-256 (hex).
    private func downloadImage(_ image: WAWebProtobufsE2E_ImageMessage) async throws -> String {
        guard let body = await media.blob(directPath: image.directPath) else { throw SimulatorError("no media at \(image.directPath)") }
        guard Data(SHA256.hash(data: body)) == image.fileEncSha256, body.count > 10 else { throw SimulatorError("fileEncSHA256 does not match the blob") }
        let expanded = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: image.mediaKey), info: Data("WhatsApp Image Keys".utf8), outputByteCount: 112)
            .withUnsafeBytes { Data($0) }
        let iv = expanded.subdata(in: 0..<16), cipherKey = expanded.subdata(in: 16..<48), macKey = expanded.subdata(in: 48..<80)
        let ciphertext = body.dropLast(10), mac = body.suffix(10)
        guard Data(HMAC<SHA256>.authenticationCode(for: iv + ciphertext, using: SymmetricKey(data: macKey))).prefix(10) == mac else {
            throw SimulatorError("the media MAC does not verify")
        }
        let plain = try AES._CBC.decrypt(ciphertext, using: SymmetricKey(data: cipherKey), iv: .init(ivBytes: iv))
        guard Data(SHA256.hash(data: plain)) == image.fileSha256, UInt64(plain.count) == image.fileLength else {
            throw SimulatorError("fileSHA256 or fileLength does not match the decrypted image")
        }
        return SHA256.hash(data: plain).map { String(format: "%02x", $0) }.joined()
    }

    /// The primary phone of `phone` writes `text` to every linked companion of `recipientPhone`.
    public func sendText(_ text: String, from phone: String, to recipientPhone: String) async {
        guard let device = phoneDevices["\(phone):0"], let author = accounts[phone], let recipient = accounts[recipientPhone] else { return }
        var message = WAWebProtobufsE2E_Message()
        message.conversation = text
        guard let serialized = try? message.serializedData() else { return }
        let n = UInt8.random(in: 1...16)
        let padded = serialized + Data(repeating: n, count: Int(n))
        let id = "3EB0" + (0..<9).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
        for companion in companions.values where companion.phone == recipientPhone {
            let peer = SignalAddress(name: recipient.lid + "_1", deviceId: UInt32(companion.deviceId))
            let cipher = SessionCipher(store: device.store, address: peer)
            do {
                let encrypted = try await signalLocks.withLock(Self.lockAddress(device: "\(phone):0", peer: peer)) {
                    if !(try await cipher.hasSession()) {
                        var bundleCompanion = companion
                        let preKeyID = bundleCompanion.preKeys.keys.min()
                        let preKey = preKeyID.flatMap { bundleCompanion.preKeys.removeValue(forKey: $0) }
                        companions["\(companion.phone):\(companion.deviceId)"] = bundleCompanion
                        try await cipher.processBundle(PreKeyBundle(
                            registrationId: companion.registrationId, deviceId: UInt32(companion.deviceId), preKeyId: preKey == nil ? nil : preKeyID,
                            preKey: preKey, signedPreKeyId: companion.signedPreKeyId, signedPreKey: companion.signedPreKey,
                            signedPreKeySignature: companion.signedPreKeySignature, identityKey: companion.identityKey))
                    }
                    return try await cipher.encrypt(padded)
                }
                let stanza = Node("message", [("from", .jid(author.lidJID)), ("id", .string(id)), ("t", .string(String(Int(Date().timeIntervalSince1970)))),
                                              ("type", .string("text")), ("sender_pn", .jid(author.phoneJID))], content: .nodes([
                    Node("enc", [("v", .string("2")), ("type", .string(encrypted.kind.rawValue))], content: .bytes([UInt8](encrypted.serialized))),
                ]))
                await deliverToCompanion(key: "\(companion.phone):\(companion.deviceId)", stanza)
                await givePrivacyToken(from: author, to: recipient, companionKey: "\(companion.phone):\(companion.deviceId)")
            } catch {
                record(.refused("phone \(phone) could not write to \(recipientPhone):\(companion.deviceId): \(error)"))
            }
        }
    }

    /// A phone that writes to someone gives them its privacy token (§7.3): the server delivers a
    /// `privacy_token` notification, and the holder may now start the chat even when restricted.
    private func givePrivacyToken(from author: SimulatedAccount, to holder: SimulatedAccount, companionKey: String) async {
        let pair = "\(author.phone)>\(holder.phone)"
        let token = privacyTokens[pair] ?? Data((0..<24).map { _ in UInt8.random(in: 0...255) })
        privacyTokens[pair] = token
        let now = String(Int(Date().timeIntervalSince1970))
        await deliverToCompanion(key: companionKey, Node("notification", [("from", .jid(author.lidJID)), ("id", .string(requestID())),
                                                                          ("type", .string("privacy_token")), ("t", .string(now))], content: .nodes([
            Node("tokens", content: .nodes([
                Node("token", [("jid", .jid(holder.lidJID)), ("t", .string(now)), ("type", .string("trusted_contact"))], content: .bytes([UInt8](token))),
            ])),
        ])))
    }

    // MARK: - Receipts from companions

    func forwardReceipt(_ node: Node, from device: (phone: String, deviceId: UInt16), connection: Int) async throws {
        guard let id = node.string("id"), let to = node.jid("to"), let sender = accounts[device.phone] else { return }
        var ack: [(key: String, value: Node.AttributeValue)] = [("class", .string("receipt")), ("id", .string(id)), ("from", .jid(to))]
        if let type = node[attribute: "type"] { ack.append(("type", type)) }
        try await send(Node("ack", ack), to: connection)
        guard let target = account(for: to) else { return }
        var attributes: [(key: String, value: Node.AttributeValue)] = [
            ("from", .jid(JID(user: sender.lid, server: JID.Server.lid, device: device.deviceId))), ("id", .string(id)),
            ("t", .string(String(Int(Date().timeIntervalSince1970)))),
        ]
        if let type = node[attribute: "type"] { attributes.append(("type", type)) }
        for companion in companions.values where companion.phone == target.phone {
            await deliverToCompanion(key: "\(companion.phone):\(companion.deviceId)", Node("receipt", attributes, content: node.content))
        }
    }

    // MARK: - Records

    func writeRecord<T: Encodable>(_ value: T) {
        guard let recordFile else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(value) else { return }
        line.append(0x0A)
        if let handle = try? FileHandle(forWritingTo: recordFile) {
            handle.seekToEndOfFile()
            handle.write(line)
            try? handle.close()
        } else {
            try? line.write(to: recordFile)
        }
    }
}
