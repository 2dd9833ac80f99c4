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

    /// Decides the connection's life (linking, login, keepalive, backoff, the server's codes);
    /// this actor carries out what it decides (`WhatsAppSession+Core.swift`).
    var core: SessionCore
    public var state: SessionState { core.state }
    var connection: NodeConnection?
    /// Every task this session started, by number; `stop()` cancels and awaits them all.
    var tasks: [Int: Task<Void, Never>] = [:]
    var nextTaskNumber = 0
    /// The running timer under each id: its token (a late firing of a replaced timer is
    /// recognised by it) and its task's number.
    var timers: [SessionCore.Timer: (token: Int, task: Int)] = [:]
    var nextTimerToken = 0
    /// Set by `stop()`: no new task starts until `start()`.
    var stopping = false
    var started = false
    /// Set while linking by code: the phone number whose code we show.
    var pairingPhone: String?
    var pairingCode: PairingCode?
    var pairingRef: Data?
    /// Whatsmeow holds one lock over encrypt + send; so do we (actor reentrancy would otherwise
    /// let two sends interleave their ratchet steps).
    let sendLock = AsyncLock()
    let signalLocks = SignalOperationLocks()
    /// Consecutive sends the server did not acknowledge; reported as unhealthy past 3.
    public var unacknowledgedSends: Int { core.unacknowledgedSends }
    /// Reach-out limits (ack 463, timelock and new-chat cap notifications); kept in `reach-out.json`.
    var reachOut: ReachOutLimits
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
        self.core = SessionCore(name: name, linked: credentials.isLinked, configuration: configuration)
        (events, eventSink) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        await sentMessages.prune()
    }

    /// The restriction from starting new chats that holds now, if any.
    public var restriction: ReachOutRestriction? { reachOut.activeRestriction(at: Date()) }

    /// Our phone number once linked (`62812…`).
    public var phone: String? { credentials.deviceJID.flatMap(JID.init(parsing:))?.user }
    public var isLinked: Bool { credentials.isLinked }

    /// Whether the pipeline should give this session messages: see `SessionCore.canSend`.
    public var canSend: Bool { core.canSend(isLinked: credentials.isLinked) }

    // MARK: - Lifecycle

    /// Connects (linking first if needed) and keeps the connection up until `stop()`.
    /// - Parameter pairingPhone: link by code for this number instead of showing QR codes.
    public func start(pairingPhone: String? = nil) async {
        guard !started else { return }
        started = true
        stopping = false
        self.pairingPhone = pairingPhone
        await feed(.started(linked: credentials.isLinked, pairingByCode: pairingPhone != nil))
        // Also a restriction that ended while the daemon was down: its end is reported at once.
        if let stored = reachOut.restriction { await feed(.restrictionChanged(until: stored.until)) }
    }

    /// Closes the connection and ends every task the session started before returning.
    public func stop() async {
        stopping = true
        await feed(.stopRequested)
        while let task = tasks.first?.value {
            task.cancel()
            await task.value
        }
        // A privacy token issued after the last send is still waiting for a send's batch.
        await saveDirectory()
        started = false
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
        await feed(.unlinked)
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

    /// A plain-language notice beside the session's QR code, for staff who only see folders.
    func writeNotice(_ text: String) {
        guard let notices = configuration.noticesFolder ?? storage.folder?.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("outbox/sessions", isDirectory: true) else { return }
        let url = notices.appendingPathComponent(name, isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let line = "\(configuration.noticeTime(Date())) \(text)\n"
        try? Data(line.utf8).write(to: url.appendingPathComponent("NOTICE.txt"))
    }

    // MARK: - Linking

    /// Asks the server for a pairing code for `pairingPhone` and shows it.
    func requestPairingCode(on connection: NodeConnection) async throws {
        guard let phone = pairingPhone else { return }
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
    }

    func showQRCode(ref: String, index: Int) async {
        guard let identity = try? await storage.signalStore.identityKeyPair() else {
            logger.error("the session's identity could not be read from \(storage.location); no QR code shown")
            return
        }
        guard let text = Pairing.qrTexts(refs: [ref], credentials: credentials, identity: identity).first else { return }
        emit(.qrCode(text: text, index: index))
    }

    func finishCodePairing(_ notification: Node, on connection: NodeConnection) async throws {
        guard let code = pairingCode, let ref = pairingRef else { return }
        let identity = try await storage.signalStore.identityKeyPair()
        let finish = try code.finish(notification: notification, ref: ref, identity: identity)
        credentials.advSecretKey = finish.advSecret
        try await storage.saveCredentials(credentials)
        _ = try await connection.query(xmlns: "md", type: "set", children: [finish.request], timeout: configuration.queryTimeout)
    }

    func finishLinking(_ node: Node, on connection: NodeConnection) async throws {
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

    /// Prekeys, passive mode and presence, after `<success>`.
    func setUpAfterLogin(on connection: NodeConnection) async throws {
        try await refillPreKeys(on: connection, force: false)
        _ = try await connection.query(xmlns: "passive", type: "set", children: [Node("active")], timeout: configuration.queryTimeout)
        // Stay "unavailable": the owner's phone keeps its notifications.
        try await connection.send(Node("presence", [("type", .string("unavailable"))]))
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
        SessionCore.ack(for: node, id: id)
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
