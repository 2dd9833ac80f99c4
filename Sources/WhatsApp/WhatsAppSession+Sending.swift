import Foundation
import Crypto
import SignalProtocol
public import Transport
import WABinary
import WAProto

extension WhatsAppSession {
    /// Sends one message exactly once under its own id: number check, device lists, sessions,
    /// per-device encryption and fan-out, server ack (protocol brief §6).
    public func send(_ outgoing: OutgoingMessage) async -> SendResult {
        await sendLock.acquire()
        defer { sendLock.release() }
        // What this send changes before its frame is written in one transaction, just before the
        // frame (`encryptAndSend` finishes the batch); what it changed on a path that stopped
        // earlier (a number not on WhatsApp) is written when it returns.
        let batch = storage.openBatch()
        let result = await SessionStateBatchScope.$current.withValue(batch) {
            // What the previous send left unsaved (the privacy token issued after its ack) rides in this batch.
            await saveDirectory()
            return await sendLocked(outgoing)
        }
        do { try await batch?.finish() } catch { logger.warning("could not save the session's state after message \(outgoing.id): \(error)") }
        return result
    }

    private func sendLocked(_ outgoing: OutgoingMessage) async -> SendResult {
        guard credentials.isLinked else { return .transientFailure(reason: WhatsAppError(.notLinked).description) }
        if [.loggedOut, .replaced, .banned].contains(state) {
            return .transientFailure(reason: "session \(name) is \(state.rawValue)")
        }
        guard await waitUntilConnected(timeout: configuration.sendWaitForConnection), let connection else {
            return .transientFailure(reason: "session \(name) is not connected")
        }
        do {
            guard let lid = try await checkNumber(outgoing.phone, on: connection) else {
                return .permanentFailure(reason: "not-on-whatsapp")
            }
            if !outgoing.answersContact, directory.validToken(forLID: lid, now: Date()) == nil,
               let restriction = reachOut.activeRestriction(at: Date()) {
                // A new chat now would be refused (463) and count as one more reach-out.
                return .deferred(until: restriction.until, reason: "restricted")
            }
            var message = WAWebProtobufsE2E_Message()
            var mediaType: String?
            if let media = outgoing.media {
                message.imageMessage = try await imageMessage(media, caption: outgoing.text, on: connection)
                mediaType = "image"
            } else {
                message.conversation = outgoing.text
            }
            let chat = JID(user: lid, server: JID.Server.lid)
            // Kept before sending: a retry receipt may arrive before the ack.
            try await sentMessages.save(.init(id: outgoing.id, chat: chat.description, phone: outgoing.phone,
                                        message: try message.serializedData(), sentAt: Date()))
            if configuration.typingIndicator {
                try? await connection.send(Node("chatstate", [("to", .jid(chat))], content: .nodes([Node("composing")])))
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1200...2500)))
                try? await connection.send(Node("chatstate", [("to", .jid(chat))], content: .nodes([Node("paused")])))
            }
            var sent = try await encryptAndSend(message, id: outgoing.id, chat: chat, phone: outgoing.phone, mediaType: mediaType,
                                                refreshDevices: false, on: connection)
            if SessionCore.verdict(ackError: sent.ack.string("error")) == .invalidStanza, let again = try await afterSmaxInvalid(sent, message: message, id: outgoing.id, chat: chat,
                                                                                          phone: outgoing.phone, mediaType: mediaType, on: connection) {
                sent = again
            }
            await feed(.ackArrived(error: sent.ack.string("error")))
            switch SessionCore.verdict(ackError: sent.ack.string("error")) {
            case .accepted: break
            case .restricted: return await refusedNewChat(lid: lid, on: connection)
            case .invalidStanza: return .transientFailure(reason: "smax-invalid (479): the server refused the message stanza; device lists were fetched again")
            case .retryLater(let reason): return .transientFailure(reason: reason)
            }
            if let phash = sent.ack.string("phash"), phash != Self.participantHash(sent.devices) {
                // The server's device lists differ from ours: some device may have missed the message.
                // Drop the cached lists so the next send fetches them; no resend (whatsmeow invalidates
                // only; Baileys found that resending on phash loops).
                logger.info("the server's participant hash for \(chat) differs from ours; device lists are fetched again")
                for user in Set(sent.devices.map(\.userJID.description)) { directory.devices[user] = nil }
                await saveDirectory()
            }
            if !sent.carriedToken {
                // A new contact was reached: 463s before it were about those contacts, not the account.
                let before = reachOut
                let change = reachOut.acceptedNewContact(now: Date())
                if reachOut != before { await apply(change) }
            }
            await issuePrivacyTokenIfNeeded(lid: lid, on: connection)
            return .sent(at: Date())
        } catch let error as WhatsAppError {
            if case .timeout = error.code { await feed(.ackTimedOut) }
            return .transientFailure(reason: error.description)
        } catch {
            return .transientFailure(reason: "\(error)")
        }
    }

    /// Ack 463: a new chat refused, because the contact's privacy token is missing or the account
    /// may not start new chats. Never retried (retrying counts as another reach-out); our own token
    /// goes to the contact as Baileys does, and the limits decide whether the account is restricted
    /// (the server's timelock, asked now or notified, or several new contacts in a row).
    private func refusedNewChat(lid: String, on connection: NodeConnection) async -> SendResult {
        logger.warning("WhatsApp refused a new chat with \(lid) (463)")
        await issuePrivacyTokenIfNeeded(lid: lid, force: true, on: connection)
        await askReachOutTimelock(on: connection)
        await apply(reachOut.refused(contact: lid, now: Date()))
        return .permanentFailure(reason: "restricted")
    }

    /// Ack 479 (smax-invalid, brief §6.8/§12): often stale addressing. The cached device lists are
    /// fetched again; the message goes once more only when they changed (so the stanza is a
    /// different one), never blindly. Nil: nothing changed, the refusal stands.
    private func afterSmaxInvalid(_ sent: SentStanza, message: WAWebProtobufsE2E_Message, id: String, chat: JID, phone: String?,
                                  mediaType: String?, on connection: NodeConnection) async throws -> SentStanza? {
        let users = Array(Set(sent.devices.map(\.userJID))) + [chat]
        let fresh = try await devices(of: users, on: connection, refresh: true)
        guard Set(fresh) != Set(sent.devices) else {
            logger.warning("the server refused message \(id) as invalid (479) with current device lists; not sent again")
            return nil
        }
        logger.info("message \(id) refused as invalid (479): device lists changed, sending once more")
        return try await encryptAndSend(message, id: id, chat: chat, phone: phone, mediaType: mediaType, refreshDevices: false, on: connection)
    }

    /// What went on the wire for one message, and the server's answer.
    struct SentStanza {
        var ack: Node
        /// Every device of the chat's and our own user, ours included (whatsmeow's participant list).
        var devices: [JID]
        /// Whether the stanza carried the contact's privacy token (`<tctoken>`).
        var carriedToken: Bool
    }

    /// Encrypts `message` for every device of the chat and our own other devices and sends one
    /// `<message>` stanza; returns the server's ack.
    func encryptAndSend(_ message: WAWebProtobufsE2E_Message, id: String, chat: JID, phone: String?, mediaType: String?,
                        refreshDevices: Bool, on connection: NodeConnection) async throws -> SentStanza {
        guard let me = credentials.lidJID.flatMap(JID.init(parsing:)) else { throw WhatsAppError(.notLinked, "our LID is unknown") }
        let own = me.userJID
        let devices = try await self.devices(of: [chat, own], on: connection, refresh: refreshDevices)
        let targets = devices.filter { !($0.user == me.user && $0.device == me.device) }
        guard targets.contains(where: { $0.user == chat.user }) else {
            throw WhatsAppError(.protocolViolation("the server listed no devices for \(chat)"))
        }
        try await ensureSessions(targets, on: connection)
        var dsm = WAWebProtobufsE2E_Message()
        dsm.deviceSentMessage.destinationJid = chat.description
        dsm.deviceSentMessage.message = message
        if message.hasMessageContextInfo { dsm.messageContextInfo = message.messageContextInfo }
        let plain = try message.serializedData(), plainDSM = try dsm.serializedData()

        var participants: [Node] = []
        var includesPreKey = false
        for device in targets {
            let encrypted: CiphertextMessage = try await withSignalSession(device) { try await $0.encrypt(Self.pad(device.user == own.user ? plainDSM : plain)) }
            includesPreKey = includesPreKey || encrypted.kind == .preKey
            participants.append(Node("to", [("jid", .jid(device))], content: .nodes([Self.encNode(encrypted, mediaType: mediaType)])))
        }
        var attributes: [(key: String, value: Node.AttributeValue)] = [
            ("id", .string(id)), ("to", .jid(chat)), ("type", .string(mediaType == nil ? "text" : "media")),
        ]
        if let phone { attributes.append(("peer_recipient_pn", .jid(JID(user: phone, server: JID.Server.user)))) }
        var children = [Node("participants", content: .nodes(participants))]
        if includesPreKey, let account = credentials.account {
            children.append(Node("device-identity", content: .bytes([UInt8](account))))
        }
        // The contact's privacy token, only on 1:1 messages to someone else (never on peer
        // messages to our own devices: the server refuses those with 479).
        let token = chat.user == me.user ? nil : directory.validToken(forLID: chat.user, now: Date())
        if let token { children.append(Node("tctoken", content: .bytes([UInt8](token)))) }
        // Every device's ratchet step, the identities, device lists and the sent message are
        // durable, in one transaction, before the frame that depends on them goes out.
        try await SessionStateBatchScope.current?.finish()
        let ack = try await connection.sendMessage(Node("message", attributes, content: .nodes(children)), id: id, timeout: configuration.ackTimeout)
        return SentStanza(ack: ack, devices: devices, carriedToken: token != nil)
    }

    static func encNode(_ encrypted: CiphertextMessage, mediaType: String?, count: Int? = nil) -> Node {
        var attributes: [(key: String, value: Node.AttributeValue)] = [("v", .string("2")), ("type", .string(encrypted.kind.rawValue))]
        if let mediaType { attributes.append(("mediatype", .string(mediaType))) }
        if let count { attributes.append(("count", .string(String(count)))) }
        return Node("enc", attributes, content: .bytes([UInt8](encrypted.serialized)))
    }

    /// Random padding before encryption (§6.5): n bytes of value n, n in 1…15 as whatsmeow does.
    static func pad(_ data: Data) -> Data {
        var n = UInt8.random(in: 0...255) & 0x0F
        if n == 0 { n = 15 }
        return data + Data(repeating: n, count: Int(n))
    }

    /// The participant-list hash the server puts in acks (§6.2, whatsmeow `participantListHashV2`):
    /// over every device of the chat's user and ours, as `user.agent:device@server`.
    static func participantHash(_ devices: [JID]) -> String {
        let strings = devices.map { "\($0.user).0:\($0.device)@\($0.server)" }.sorted()
        let digest = Data(SHA256.hash(data: Data(strings.joined().utf8))).prefix(6)
        return "2:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// Uploads the campaign image once (cached by content hash) and builds its imageMessage.
    func imageMessage(_ media: MediaAttachment, caption: String, on connection: NodeConnection) async throws -> WAWebProtobufsE2E_ImageMessage {
        let cached = try await uploadedMedia(media, on: connection)
        var image = WAWebProtobufsE2E_ImageMessage()
        image.url = cached.uploaded.url
        image.directPath = cached.uploaded.directPath
        image.mediaKey = cached.encrypted.mediaKey
        image.fileEncSha256 = cached.encrypted.fileEncSHA256
        image.fileSha256 = cached.encrypted.fileSHA256
        image.fileLength = cached.encrypted.fileLength
        image.mediaKeyTimestamp = Int64(cached.uploadedAt.timeIntervalSince1970)
        image.mimetype = media.mimetype
        if media.width > 0 { image.width = UInt32(media.width) }
        if media.height > 0 { image.height = UInt32(media.height) }
        if let thumbnail = media.jpegThumbnail { image.jpegthumbnail = thumbnail }
        if !caption.isEmpty { image.caption = caption }
        return image
    }

    struct CachedUpload: Sendable {
        var encrypted: EncryptedMedia
        var uploaded: MediaUploader.Uploaded
        var uploadedAt: Date
    }

    private func uploadedMedia(_ media: MediaAttachment, on connection: NodeConnection) async throws -> CachedUpload {
        if let cached = mediaCache[media.sha256], Date().timeIntervalSince(cached.uploadedAt) < 86_400 { return cached }
        guard let data = FileManager.default.contents(atPath: media.path) else {
            throw WhatsAppError(.mediaFailed("cannot read \(media.path)"))
        }
        let encrypted = try EncryptedMedia.encrypt(data, kind: .image)
        if mediaConnection == nil || mediaConnection!.expires < Date() {
            mediaConnection = try await MediaUploader.mediaConnection(on: connection, timeout: configuration.queryTimeout)
        }
        let uploaded = try await MediaUploader.upload(encrypted, kind: .image, connection: mediaConnection!, scheme: configuration.endpoint.mediaScheme)
        let entry = CachedUpload(encrypted: encrypted, uploaded: uploaded, uploadedAt: Date())
        mediaCache[media.sha256] = entry
        logger.info("uploaded \(media.path) (\(data.count) bytes)")
        return entry
    }

    /// Issues our privacy token to a contact once per 7-day bucket (§7.3), as current clients do;
    /// `force` issues it again (after a 463, as Baileys does).
    ///
    /// When it was issued is remembered in the directory but not saved here: no frame depends on
    /// it, so it is written with the next send's state (one transaction per message instead of a
    /// second commit after the ack) or at `stop()`. A crash before then loses only that date, and
    /// the token is issued once more to that contact, as after a 463.
    func issuePrivacyTokenIfNeeded(lid: String, force: Bool = false, on connection: NodeConnection) async {
        guard force || directory.needsTokenIssue(toLID: lid, now: Date()) else { return }
        let now = Int(Date().timeIntervalSince1970)
        do {
            _ = try await connection.query(xmlns: "privacy", type: "set", children: [
                Node("tokens", content: .nodes([
                    Node("token", [("jid", .jid(JID(user: lid, server: JID.Server.lid))), ("t", .string(String(now))), ("type", .string("trusted_contact"))]),
                ])),
            ], timeout: configuration.queryTimeout)
            directory.tokensIssued[lid] = now
        } catch {
            logger.debug("privacy token not issued to \(lid): \(error)")
        }
    }
}
