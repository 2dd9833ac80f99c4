public import Foundation
public import Logging
import SignalProtocol
import WABinary
import WAProto
import WASocket

/// One linked WhatsApp number: it links (QR or pairing code), stays connected with keepalive and
/// reconnects with backoff, sends text and images, and reports receipts and replies on `events`.
///
/// Several sessions run side by side in one process; each owns its folder and connection.
public actor WhatsAppSession {
    public nonisolated let name: String
    /// What the session reports. One reader only (an AsyncStream hands each event to one
    /// iterator): `WhatsAppTransport` in the daemon, or a command such as `siaran login`.
    public nonisolated let events: AsyncStream<SessionEvent>
    let eventSink: AsyncStream<SessionEvent>.Continuation
    nonisolated let storage: any SessionStorage
    let configuration: SessionConfiguration
    let logger: Logger
    var credentials: SessionCredentials
    var directory: ContactDirectory
    let sentMessages: SentMessageStore

    public private(set) var state: SessionState
    var connection: NodeConnection?
    private var runner: Task<Void, Never>?
    private var stopRequested = false
    /// Set while linking by code: the phone number whose code we show.
    private var pairingPhone: String?
    private var pairingCode: PairingCode?
    private var pairingRef: Data?
    private var qrTask: Task<Void, Never>?
    var keepaliveTask: Task<Void, Never>?
    /// Whatsmeow holds one lock over encrypt + send; so do we (actor reentrancy would otherwise
    /// let two sends interleave their ratchet steps).
    let sendLock = AsyncLock()
    let signalLocks = SignalOperationLocks()
    /// Consecutive sends the server did not acknowledge; reported as unhealthy past 3.
    public internal(set) var unacknowledgedSends = 0
    /// Reach-out limits (ack 463, timelock and new-chat cap notifications); kept in `reach-out.json`.
    var reachOut: ReachOutLimits
    /// Ends a restriction when its time is up (the pipeline sees it at once; this tells staff).
    var restrictionTimer: Task<Void, Never>?
    /// Campaign images already uploaded, by content hash: one upload serves every recipient.
    var mediaCache: [String: CachedUpload] = [:]
    var mediaConnection: MediaUploader.Connection?
    /// Consecutive decryption failures per sender device; a session that keeps failing is reset.
    var decryptFailures: [String: Int] = [:]
    /// Sessions reset after repeated decryption failures (Bad MAC), for health reports.
    public internal(set) var sessionResets = 0

    /// Opens session `name` in `root` (`state/sessions`): its state in a `SessionFolder`.
    public init(name: String, root: URL, configuration: SessionConfiguration, logger: Logger = Logger(label: "siaran.whatsapp")) async throws {
        try await self.init(storage: SessionFolder(root: root, name: name), configuration: configuration, logger: logger)
    }

    /// Opens the session whose state `storage` keeps (a folder, or the database on PostgreSQL).
    public init(storage: any SessionStorage, configuration: SessionConfiguration, logger: Logger = Logger(label: "siaran.whatsapp")) async throws {
        self.name = storage.name
        self.storage = storage
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "session"] = .string(name)
        self.logger = logger
        self.credentials = try await storage.loadCredentials()
        self.directory = ContactDirectory(records: try await storage.loadContactRecords())
        self.sentMessages = SentMessageStore(storage: storage)
        self.reachOut = await Self.loadReachOut(storage)
        self.state = credentials.isLinked ? .connecting : .notLinked
        (events, eventSink) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        await sentMessages.prune()
    }

    /// The restriction from starting new chats that holds now, if any.
    public var restriction: ReachOutRestriction? { reachOut.activeRestriction(at: Date()) }

    /// Our phone number once linked (`62812…`).
    public var phone: String? { credentials.deviceJID.flatMap(JID.init(parsing:))?.user }
    public var isLinked: Bool { credentials.isLinked }

    /// Whether the pipeline should give this session messages: linked, not stopped for good, the
    /// server acknowledging what it sends, and not unreachable for longer than a send waits for a
    /// connection (`sendWaitForConnection`). Past that it takes no more messages until connected
    /// again: otherwise every message offered during a long outage would spend one of its attempts
    /// waiting, and a few minutes without the server would fail messages that could simply wait.
    public var canSend: Bool {
        guard credentials.isLinked, unacknowledgedSends < 3 else { return false }
        switch state {
        case .connected: return true
        case .connecting, .waitingToReconnect:
            guard let since = unreachableSince else { return true }
            let (seconds, attoseconds) = configuration.sendWaitForConnection.components
            return Date().timeIntervalSince(since) < Double(seconds) + Double(attoseconds) / 1e18
        default: return false
        }
    }
    /// When the connection was lost (nil while connected, and before the first try).
    private var unreachableSince: Date?

    // MARK: - Lifecycle

    /// Connects (linking first if needed) and keeps the connection up until `stop()`.
    /// - Parameter pairingPhone: link by code for this number instead of showing QR codes.
    public func start(pairingPhone: String? = nil) {
        guard runner == nil else { return }
        self.pairingPhone = pairingPhone
        stopRequested = false
        runner = Task { await self.run() }
        // Also a restriction that ended while the daemon was down: its end is reported at once.
        if let stored = reachOut.restriction { scheduleRestrictionEnd(stored.until) }
    }

    public func stop() async {
        stopRequested = true
        keepaliveTask?.cancel()
        restrictionTimer?.cancel()
        qrTask?.cancel()
        await connection?.close()
        await runner?.value
        runner = nil
        if ![.loggedOut, .replaced, .banned].contains(state) { state = .stopped }
    }

    /// Unlinks this device (the phone's "Linked devices" list loses it) and deletes its keys.
    /// The object is finished afterwards: to link the name again, open a new `WhatsAppSession`.
    public func logout() async throws {
        if let connection, state == .connected, let me = credentials.deviceJID.flatMap(JID.init(parsing:)) {
            _ = try? await connection.query(xmlns: "md", type: "set", children: [
                Node("remove-companion-device", [("jid", .jid(me)), ("reason", .string("user_initiated"))]),
            ], timeout: .seconds(10))
        }
        await stop()
        state = .loggedOut
        try await storage.removeAll()
    }

    /// Drops the current connection as a network failure would (tests, and a health hand-over).
    public func dropConnection() async {
        await connection?.close()
    }

    /// Waits until the session is connected, or `timeout` passes; true when connected.
    public func waitUntilConnected(timeout: Duration) async -> Bool {
        if state == .connected { return true }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state == .connected { return true }
            if [.loggedOut, .replaced, .banned, .stopped].contains(state) { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return state == .connected
    }

    func emit(_ event: SessionEvent) {
        eventSink.yield(event)
    }

    private func run() async {
        var failures = 0
        while !stopRequested {
            let outcome: DisconnectOutcome
            do {
                outcome = try await connectAndServe()
            } catch let error as WhatsAppError {
                outcome = Self.outcome(for: error)
            } catch {
                outcome = .dropped("\(error)")
            }
            keepaliveTask?.cancel()
            qrTask?.cancel()
            if let connection { await connection.close() }
            connection = nil
            if stopRequested { break }
            switch outcome {
            case .restart:
                failures = 0
                logger.info("reconnecting at the server's request (515)")
                continue
            case .permanent(let newState, let reason):
                state = newState
                logger.error("session stopped: \(reason)")
                writeNotice(reason)
                emit(.stopped(reason: reason))
                if newState == .loggedOut {
                    // A removed device's keys are useless and must not be reused.
                    credentials = SessionCredentials(pushName: credentials.pushName)
                    try? await storage.saveCredentials(credentials)
                }
                return
            case .dropped(let reason):
                failures += 1
                let delay = min(configuration.backoffStep * Double(failures), configuration.backoffCap) * Double.random(in: 0.8...1.2)
                state = .waitingToReconnect
                if unreachableSince == nil { unreachableSince = Date() }
                logger.warning("connection lost (\(reason)); reconnecting in \(String(format: "%.1f", delay)) s")
                emit(.disconnected(reason: reason, reconnectIn: delay))
                try? await Task.sleep(for: .seconds(delay))
            }
        }
        state = .stopped
    }

    enum DisconnectOutcome {
        case restart
        case dropped(String)
        case permanent(SessionState, String)
    }

    static func outcome(for error: WhatsAppError) -> DisconnectOutcome {
        switch error.code {
        case .loggedOut: .permanent(.loggedOut, error.description)
        case .replaced: .permanent(.replaced, error.description)
        case .temporarilyBanned: .permanent(.banned, error.description)
        case .clientOutdated: .permanent(.stopped, error.description)
        default: .dropped(error.description)
        }
    }

    /// A plain-language notice beside the session's QR code, for staff who only see folders.
    func writeNotice(_ text: String) {
        guard let notices = configuration.noticesFolder ?? storage.folder?.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("outbox/sessions", isDirectory: true) else { return }
        let url = notices.appendingPathComponent(name, isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let line = "\(configuration.noticeTime(Date())) \(text)\n"
        try? Data(line.utf8).write(to: url.appendingPathComponent("NOTICE.txt"))
    }

    // MARK: - One connection

    private func connectAndServe() async throws -> DisconnectOutcome {
        state = credentials.isLinked ? .connecting : .linking
        let identity = try await storage.signalStore.identityKeyPair()
        let payload: Data
        if credentials.isLinked, let me = credentials.deviceJID.flatMap(JID.init(parsing:)) {
            payload = try ClientPayloads.login(phone: me.user, device: me.device, version: configuration.version)
        } else {
            guard let signed = try await storage.signalStore.signedPreKey(id: credentials.signedPreKeyId) else {
                throw WhatsAppError(.storage("the signed prekey is missing from \(storage.location)"))
            }
            payload = try ClientPayloads.registration(credentials: credentials, identity: identity, signedPreKey: signed, version: configuration.version)
        }
        let webSocket = try await WebSocketClient.connect(to: configuration.endpoint.url, proxy: configuration.proxy, timeout: configuration.connectTimeout)
        let socket = try await NoiseSocket.connectAsClient(
            over: webSocket, noiseKey: credentials.noiseKey, payload: payload,
            verifier: CertificateChainVerifier(rootKey: configuration.endpoint.rootKey), timeout: configuration.connectTimeout)
        let connection = NodeConnection(socket: socket)
        self.connection = connection
        // `stop()` may have run during the handshake, before there was a connection to close.
        if stopRequested {
            await connection.close()
            return .dropped("stopped")
        }
        await connection.start()
        for await node in connection.incoming {
            if let outcome = try await handle(node, on: connection) { return outcome }
        }
        return .dropped("the connection closed")
    }

    /// Handles one node; returns an outcome when the connection is over.
    private func handle(_ node: Node, on connection: NodeConnection) async throws -> DisconnectOutcome? {
        switch node.tag {
        case "success":
            try await loggedIn(node, on: connection)
        case "failure":
            return Self.failureOutcome(node)
        case "stream:error":
            return Self.streamErrorOutcome(node)
        case "xmlstreamend":
            return .dropped("the server ended the stream")
        case "iq":
            try await handleServerIQ(node, on: connection)
        case "message":
            await handleIncomingMessage(node, on: connection)
        case "receipt":
            await handleReceipt(node, on: connection)
        case "notification":
            await handleNotification(node, on: connection)
        case "ack", "ib", "presence", "chatstate", "call":
            if node.tag == "call", let id = node.string("id") {
                try? await connection.send(Self.ack(for: node, id: id))
            }
        default:
            logger.debug("ignored a <\(node.tag)> node")
        }
        return nil
    }

    static func failureOutcome(_ node: Node) -> DisconnectOutcome {
        let reason = node.string("reason") ?? "?"
        switch reason {
        case "401", "403", "406":
            return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "failure \(reason)")).description)
        case "402":
            let error = WhatsAppError(.temporarilyBanned(code: node.string("code") ?? "?", expires: node.string("expire").flatMap { Int($0) }))
            return .permanent(.banned, error.description)
        case "405":
            return .permanent(.stopped, WhatsAppError(.clientOutdated).description)
        default:
            return .dropped("connection refused with failure \(reason)")
        }
    }

    static func streamErrorOutcome(_ node: Node) -> DisconnectOutcome {
        let code = node.string("code")
        if code == "515" { return .restart }
        if let conflict = node.child("conflict") {
            if conflict.string("type") == "device_removed" {
                return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "device removed")).description)
            }
            return .permanent(.replaced, WhatsAppError(.replaced).description)
        }
        if code == "401" { return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "stream error 401")).description) }
        return .dropped("stream error \(code ?? "without code")")
    }

    // MARK: - Linking

    private func handleServerIQ(_ node: Node, on connection: NodeConnection) async throws {
        guard let id = node.string("id") else { return }
        if node.child("pair-device") != nil {
            try await connection.send(Node("iq", [("to", .jid(.serverJID)), ("type", .string("result")), ("id", .string(id))]))
            let refs = node.child("pair-device")!.children.filter { $0.tag == "ref" }.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
            try await beginLinking(refs: refs, on: connection)
        } else if node.child("pair-success") != nil {
            try await finishLinking(node, on: connection)
        } else if node.string("xmlns") == "urn:xmpp:ping" {
            try await connection.send(Node("iq", [("to", .jid(.serverJID)), ("type", .string("result")), ("id", .string(id))]))
        }
    }

    private func beginLinking(refs: [String], on connection: NodeConnection) async throws {
        let identity = try await storage.signalStore.identityKeyPair()
        if let phone = pairingPhone {
            let code = PairingCode(phone: phone)
            let answer = try await connection.query(xmlns: "md", type: "set", children: [try code.helloRequest(noiseKey: credentials.noiseKey.publicKey)],
                                                    timeout: configuration.queryTimeout)
            guard let ref = answer.child("link_code_companion_reg")?.childData("link_code_pairing_ref") else {
                throw WhatsAppError(.pairingFailed("the server did not accept the pairing-code request"))
            }
            pairingCode = code
            pairingRef = ref
            logger.notice("pairing code for \(phone): \(code.display)")
            emit(.pairingCode(code.display))
            return
        }
        let texts = Pairing.qrTexts(refs: refs, credentials: credentials, identity: identity)
        qrTask?.cancel()
        qrTask = Task { [weak self] in
            // First code 60 s, then 20 s each, as WhatsApp Web does.
            for (index, text) in texts.enumerated() {
                guard let self, !Task.isCancelled else { return }
                await self.emit(.qrCode(text: text, index: index))
                try? await Task.sleep(for: .seconds(index == 0 ? 60 : 20))
            }
            await self?.qrRefsRanOut()
        }
    }

    private func qrRefsRanOut() async {
        guard !credentials.isLinked else { return }
        emit(.notice("the QR codes expired without a scan; fetching new ones"))
        await connection?.close()
    }

    func finishCodePairing(_ notification: Node, on connection: NodeConnection) async throws {
        guard let code = pairingCode, let ref = pairingRef else { return }
        let identity = try await storage.signalStore.identityKeyPair()
        let finish = try code.finish(notification: notification, ref: ref, identity: identity)
        credentials.advSecretKey = finish.advSecret
        try await storage.saveCredentials(credentials)
        _ = try await connection.query(xmlns: "md", type: "set", children: [finish.request], timeout: configuration.queryTimeout)
    }

    private func finishLinking(_ node: Node, on connection: NodeConnection) async throws {
        qrTask?.cancel()
        let identity = try await storage.signalStore.identityKeyPair()
        let linked: Pairing.Linked
        do {
            linked = try Pairing.accept(pairSuccess: node, credentials: credentials, identity: identity)
        } catch let error as WhatsAppError {
            let text = error.description.contains("hmac") ? "hmac-mismatch" : "signature-mismatch"
            try? await connection.send(Pairing.refusal(to: node, code: 401, text: text))
            throw error
        }
        credentials.deviceJID = linked.deviceJID.description
        credentials.lidJID = linked.lidJID?.description
        credentials.account = linked.account
        credentials.platform = linked.platform
        credentials.linkedAt = Date()
        if let t = node.string("t").flatMap(Double.init) { credentials.serverTimeOffset = t - Date().timeIntervalSince1970 }
        // Save before answering: a 515 restart follows at once and must find us linked.
        try await storage.saveCredentials(credentials)
        let primary = try PublicKey(serialized: Data([PublicKey.typeByte]) + linked.primaryIdentity.raw)
        try await storage.signalStore.saveIdentity(primary, for: SignalAddress(name: linked.deviceJID.user, deviceId: 0))
        if let lid = linked.lidJID {
            try await storage.signalStore.saveIdentity(primary, for: SignalAddress(name: lid.user + "_1", deviceId: 0))
            directory.learn(phone: linked.deviceJID.user, lid: lid.user)
            await saveDirectory()
        }
        try await connection.send(linked.reply)
        logger.notice("linked as \(linked.deviceJID)")
        emit(.linked(phone: linked.deviceJID.user, device: linked.deviceJID.device))
    }

    // MARK: - After login (§5.1)

    private func loggedIn(_ node: Node, on connection: NodeConnection) async throws {
        if let t = node.string("t").flatMap(Double.init) { credentials.serverTimeOffset = t - Date().timeIntervalSince1970 }
        if let lid = node.jid("lid"), lid.isLID {
            credentials.lidJID = lid.description
            if let me = phone { directory.learn(phone: me, lid: lid.user); await saveDirectory() }
        }
        try await storage.saveCredentials(credentials)
        Task {
            do {
                try await self.refillPreKeys(on: connection, force: false)
                _ = try await connection.query(xmlns: "passive", type: "set", children: [Node("active")], timeout: self.configuration.queryTimeout)
                // Stay "unavailable": the owner's phone keeps its notifications.
                try await connection.send(Node("presence", [("type", .string("unavailable"))]))
                self.becameConnected(connection)
            } catch {
                self.logger.warning("setting up after login failed: \(error)")
                await connection.close()
            }
        }
    }

    private func becameConnected(_ connection: NodeConnection) {
        guard self.connection === connection else { return }
        state = .connected
        // A fresh connection gets a fresh chance: the pipeline offers messages again.
        unacknowledgedSends = 0
        unreachableSince = nil
        logger.info("connected")
        emit(.connected)
        keepaliveTask?.cancel()
        keepaliveTask = Task { await self.keepalive(connection) }
    }

    /// Pings every 20–30 s; two failed pings in a row drop the connection so it is rebuilt.
    private func keepalive(_ connection: NodeConnection) async {
        var failures = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(Double.random(in: configuration.keepaliveInterval)))
            if Task.isCancelled { return }
            if await connection.isClosed { return }
            do {
                _ = try await connection.query(xmlns: "w:p", type: "get", children: [], timeout: .seconds(10))
                failures = 0
            } catch {
                failures += 1
                if failures >= 2 {
                    logger.warning("keepalive failed twice; reconnecting")
                    await connection.close()
                    return
                }
            }
        }
    }

    /// Uploads one-time prekeys when the server holds fewer than 5 (812 the first time, 50 after).
    func refillPreKeys(on connection: NodeConnection, force: Bool) async throws {
        let answer = try await connection.query(xmlns: "encrypt", type: "get", children: [Node("count")], timeout: configuration.queryTimeout)
        let count = Int(answer.child("count")?.string("value") ?? "0") ?? 0
        guard force || count < 5 else { return }
        let amount = credentials.firstUnuploadedPreKeyId == 1 ? 812 : 50
        let store = storage.signalStore
        let identity = try await store.identityKeyPair()
        guard let signed = try await store.signedPreKey(id: credentials.signedPreKeyId) else {
            throw WhatsAppError(.storage("signed prekey missing"))
        }
        var keys: [Node] = []
        let first = credentials.firstUnuploadedPreKeyId
        let records = (first..<(first + UInt32(amount))).map { PreKeyRecord(id: $0 & 0xFF_FFFF, keyPair: .generate()) }
        try await store.storePreKeys(records)
        for record in records {
            keys.append(Node("key", content: .nodes([
                Node("id", content: .bytes([UInt8](bigEndian(record.id, bytes: 3)))),
                Node("value", content: .bytes([UInt8](record.keyPair.publicKey.raw))),
            ])))
        }
        _ = try await connection.query(xmlns: "encrypt", type: "set", children: [
            Node("registration", content: .bytes([UInt8](bigEndian(identity.registrationId, bytes: 4)))),
            Node("type", content: .bytes([PublicKey.typeByte])),
            Node("identity", content: .bytes([UInt8](identity.keyPair.publicKey.raw))),
            Node("list", content: .nodes(keys)),
            Node("skey", content: .nodes([
                Node("id", content: .bytes([UInt8](bigEndian(signed.id, bytes: 3)))),
                Node("value", content: .bytes([UInt8](signed.keyPair.publicKey.raw))),
                Node("signature", content: .bytes([UInt8](signed.signature))),
            ])),
        ], timeout: configuration.queryTimeout)
        credentials.firstUnuploadedPreKeyId = first + UInt32(amount)
        credentials.nextPreKeyId = credentials.firstUnuploadedPreKeyId
        try await storage.saveCredentials(credentials)
        logger.info("uploaded \(amount) prekeys (server had \(count))")
    }

    // MARK: - Persistence of the contact directory

    /// Writes the records that changed since the last save, and only those.
    func saveDirectory() async {
        let changes = directory.takeChanges()
        guard !changes.isEmpty else { return }
        do { try await storage.saveContactRecords(changes) } catch {
            logger.warning("could not save the contact directory: \(error)")
        }
    }

    static func ack(for node: Node, id: String) -> Node {
        var attributes: [(key: String, value: Node.AttributeValue)] = [("id", .string(id)), ("class", .string(node.tag))]
        if let from = node[attribute: "from"] { attributes.append(("to", from)) }
        for key in ["participant", "recipient"] { if let value = node[attribute: key] { attributes.append((key, value)) } }
        if node.tag != "message", let type = node[attribute: "type"] { attributes.append(("type", type)) }
        return Node("ack", attributes)
    }
}

/// A FIFO lock for async code (an actor method that awaits lets other calls in; this does not).
final class AsyncLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            mutex.lock()
            if locked {
                waiters.append(continuation)
                mutex.unlock()
            } else {
                locked = true
                mutex.unlock()
                continuation.resume()
            }
        }
    }

    func release() {
        mutex.lock()
        if waiters.isEmpty {
            locked = false
            mutex.unlock()
        } else {
            let next = waiters.removeFirst()
            mutex.unlock()
            next.resume()
        }
    }
}
