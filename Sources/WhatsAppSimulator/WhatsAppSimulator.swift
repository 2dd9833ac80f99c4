import Crypto
public import Foundation
public import SignalProtocol
import WABinary
import WAProto
import WASocket
public import NIOSSL

/// A local WhatsApp server for tests and demos: it plays WhatsApp's servers and the phones on the
/// other side, strictly enough that a client that works here has done what the real service checks.
///
/// Start it, point a client at `url` with `rootKey` as the certificate root, and drive the phone
/// side with `scanQR(_:phone:)`. Everything observed is on `events`.
public actor WhatsAppSimulator {
    public nonisolated let url: URL
    /// The root of the simulator's certificate chain; clients must trust it instead of WhatsApp's.
    public nonisolated let rootKey: PublicKey
    public nonisolated let events: AsyncStream<SimulatorEvent>
    private let eventSink: AsyncStream<SimulatorEvent>.Continuation
    private let server: WebSocketServer
    private let serverStatic = KeyPair.generate()
    private let certificateChain: Data

    var accounts: [String: SimulatedAccount] = [:]
    /// LID → phone, so a stanza addressed to a LID finds its account without a scan (10,000 accounts in benchmarks).
    var phoneByLID: [String: String] = [:]
    var companions: [String: LinkedCompanion] = [:]
    /// `<device-identity>` bytes (with the companion's and the account's keys) whose signatures held.
    var verifiedDeviceIdentities: Set<Data> = []
    var registrations: [String: Registration] = [:]
    var connections: [Int: NoiseSocket] = [:]
    var pendingRequests: [String: PendingRequest] = [:]
    private var nextConnection = 0
    private var nextRequest = 0
    /// Phone-side devices the simulator plays, by `phone:device`.
    var phoneDevices: [String: SimulatedPhoneDevice] = [:]
    /// Which connection a logged-in companion uses, by `phone:device`.
    var companionConnections: [String: Int] = [:]
    /// Stanzas for companions that were offline, delivered at their next login.
    var offlineQueue: [String: [Node]] = [:]
    let media: MediaStore
    /// Every message accepted, and what each simulated device decrypted.
    public internal(set) var acceptedMessages: [AcceptedMessage] = []
    public internal(set) var decryptedMessages: [DecryptedMessage] = []
    /// Every connection that logged in as a linked device, by connection number (see `ConnectionRecord`).
    public internal(set) var connectionLog: [Int: ConnectionRecord] = [:]
    /// Faults the next stanzas meet (see `inject`).
    var faults: [Fault] = []
    /// Pairing-code requests waiting for the code to be typed, by phone.
    var codeRequests: [String: CodeRequest] = [:]
    /// When set (CLI mode), every record is also appended to this JSONL file.
    var recordFile: URL?
    /// Which senders each simulated phone already answered, so a scripted reply goes once.
    var repliedTo: Set<String> = []
    var unhandled: Set<String> = []
    /// Why each refused message id was refused.
    public internal(set) var rejectionReasons: [String: String] = [:]
    /// Accounts restricted from starting new chats (the reach-out timelock), by phone.
    var reachOutLocks: [String: ReachOutLock] = [:]
    /// Caps on new chats per cycle (the message-capping notification), by phone.
    var newChatCaps: [String: NewChatCap] = [:]
    /// What simulated devices refused (a copy that did not decrypt, a stanza that broke a rule), in order.
    public internal(set) var refusals: [String] = []
    /// One Signal step at a time per phone device and peer: the simulator's own tasks (a phone
    /// writing, a phone decrypting) interleave at every await, as a client's do.
    let signalLocks = SignalOperationLocks()
    /// Privacy tokens phones gave when they wrote to someone, by `giver>holder` phone pair.
    var privacyTokens: [String: Data] = [:]
    /// Whether number checks leave the LID out (see `answerContactChecksWithoutLID`).
    var contactChecksWithoutLID = false
    /// Phone numbers whose LID a client asked for by phone number (`usync` with `<lid/>`), in order.
    public internal(set) var lidLookups: [String] = []

    /// A companion that connected to register and is waiting to be linked.
    struct Registration {
        var connection: Int
        var noiseKey: PublicKey
        var identity: PublicKey
        var registrationId: UInt32
        var signedPreKeyId: UInt32
        var signedPreKey: PublicKey
        var signedPreKeySignature: Data
        var advSecret: Data?
    }

    /// Requests the simulator sent and waits to see answered.
    enum PendingRequest {
        case pairDevice
        case pairSuccess(registration: Registration, phone: String, deviceId: UInt16, details: Data, keyIndex: UInt32)
    }

    /// Connections that agreed on permessage-deflate (see `start(perMessageDeflate:)`).
    public private(set) var compressedConnections = 0

    /// A second listener serving media over HTTPS (for clients that insist on it, like whatsmeow).
    private let secureMediaServer: WebSocketServer?

    private init(server: WebSocketServer, secureMediaServer: WebSocketServer?, media: MediaStore, authority: CertificateAuthority, accounts: [SimulatedAccount]) {
        self.server = server
        self.secureMediaServer = secureMediaServer
        self.media = media
        self.url = URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!
        self.rootKey = authority.root.publicKey
        (events, eventSink) = AsyncStream.makeStream(of: SimulatorEvent.self)
        self.certificateChain = authority.chain(for: serverStatic.publicKey)
        for account in accounts {
            self.accounts[account.phone] = account
            phoneByLID[account.lid] = account.phone
        }
    }

    /// Starts listening on loopback.
    /// - Parameter recordFile: also append every accepted and decrypted message here (JSONL).
    /// - Parameter mediaTLS: also serve media uploads and downloads over HTTPS with this
    ///   certificate; `media_conn` then names the HTTPS host first and the plain one second.
    /// - Parameter perMessageDeflate: accept clients' permessage-deflate offers (RFC 7692).
    public static func start(port: Int = 0, accounts: [SimulatedAccount], recordFile: URL? = nil,
                             mediaTLS: NIOSSLContext? = nil, perMessageDeflate: Bool = false) async throws -> WhatsAppSimulator {
        let media = MediaStore()
        let handler: WebSocketServer.HTTPHandler = { request in await media.handle(request) }
        let server = try await WebSocketServer.start(port: port, perMessageDeflate: perMessageDeflate, http: handler)
        var secure: WebSocketServer?
        if let mediaTLS { secure = try await WebSocketServer.start(path: "/none", tls: mediaTLS, http: handler) }
        let simulator = WhatsAppSimulator(server: server, secureMediaServer: secure, media: media, authority: CertificateAuthority(), accounts: accounts)
        await simulator.setUp(recordFile: recordFile)
        return simulator
    }

    private func setUp(recordFile: URL?) async {
        self.recordFile = recordFile
        for account in accounts.values {
            for device in account.phoneDevices {
                phoneDevices["\(account.phone):\(device)"] = await SimulatedPhoneDevice.make(
                    phone: account.phone, deviceId: device, identityKey: device == 0 ? account.accountKey : nil)
            }
        }
        acceptConnections()
    }

    /// The host:port pairs media uploads go to, in the order clients should try them.
    var mediaHosts: [String] { (secureMediaServer.map { ["127.0.0.1:\($0.port)"] } ?? []) + ["127.0.0.1:\(server.port)"] }

    public func stop() async {
        for socket in connections.values { await socket.close() }
        await server.close()
        await secureMediaServer?.close()
        eventSink.finish()
    }

    public func companion(phone: String, deviceId: UInt16) -> LinkedCompanion? {
        companions["\(phone):\(deviceId)"]
    }

    private func acceptConnections() {
        let incoming = server.connections
        Task { [weak self] in
            for await connection in incoming {
                guard let self else { return }
                Task { await self.serve(connection) }
            }
        }
    }

    func record(_ event: SimulatorEvent) {
        eventSink.yield(event)
        if case .unhandled(let what) = event { unhandled.insert(what) }
        if case .messageRejected(let id, let reason) = event { rejectionReasons[id] = reason }
        if case .refused(let what) = event { refusals.append(what) }
    }

    /// What clients sent that the simulator does not handle (answered 501 or ignored), so far.
    public func unhandledSoFar() -> [String] { unhandled.sorted() }

    // MARK: - Connections

    private func serve(_ connection: WebSocketConnection) async {
        if connection.compression != nil { compressedConnections += 1 }
        nextConnection += 1
        let id = nextConnection
        do {
            let handshake = try await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic, certificateChain: certificateChain)
            connections[id] = handshake.socket
            let payload = try WAWebProtobufsWa6_ClientPayload(serializedBytes: handshake.payload)
            if payload.hasUsername {
                try await login(payload, noiseKey: handshake.clientStatic, connection: id)
            } else {
                try await register(payload, noiseKey: handshake.clientStatic, connection: id)
            }
            while let frame = try await handshake.socket.receive() {
                let node = try BinaryDecoder().decodeFrame([UInt8](frame))
                // Every node a client sends must survive decode → encode byte for byte: proof that
                // the codec loses nothing of what real clients write.
                if frame.first == 0, (try? BinaryEncoder().encodeFrame(node)) != [UInt8](frame) {
                    record(.lossyDecode(node.description))
                }
                try await handle(node, connection: id)
            }
        } catch {
            record(.refused("\(error)"))
        }
        if let socket = connections.removeValue(forKey: id) { await socket.close() }
        connectionLog[id]?.closedAt = Date()
        if let device = loggedIn.removeValue(forKey: id), companionConnections["\(device.phone):\(device.deviceId)"] == id {
            companionConnections["\(device.phone):\(device.deviceId)"] = nil
        }
    }

    func send(_ node: Node, to connection: Int) async throws {
        guard let socket = connections[connection] else { throw SimulatorError("connection \(connection) is closed") }
        try await socket.send(Data(try BinaryEncoder().encodeFrame(node)))
    }

    func requestID() -> String {
        nextRequest += 1
        return "sim.\(nextRequest)"
    }

    // MARK: - Registration and QR pairing (protocol brief §4.1)

    private func register(_ payload: WAWebProtobufsWa6_ClientPayload, noiseKey: PublicKey, connection: Int) async throws {
        let data = payload.devicePairingData
        guard data.eRegid.count == 4, data.eKeytype == Data([5]), data.eSkeyID.count == 3,
              let identity = try? PublicKey(raw: data.eIdent), let signedPreKey = try? PublicKey(raw: data.eSkeyVal) else {
            throw SimulatorError("registration payload without valid pairing data")
        }
        guard XEdDSA.verify(publicKey: identity, message: signedPreKey.serialized, signature: data.eSkeySig) else {
            throw SimulatorError("the signed prekey signature in the registration payload does not verify")
        }
        let refs = (0..<6).map { _ in "2@" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        let registration = Registration(
            connection: connection, noiseKey: noiseKey, identity: identity,
            registrationId: UInt32(data.eRegid.bigEndianInteger), signedPreKeyId: UInt32(data.eSkeyID.bigEndianInteger),
            signedPreKey: signedPreKey, signedPreKeySignature: data.eSkeySig
        )
        for ref in refs { registrations[ref] = registration }
        let id = requestID()
        pendingRequests[id] = .pairDevice
        try await send(.iq(id: id, type: "set", children: [
            Node("pair-device", content: .nodes(refs.map { Node("ref", content: .bytes(Array($0.utf8))) })),
        ]), to: connection)
        record(.pairingStarted(refs: refs))
    }

    /// The phone of `phone` scans a QR code the companion shows.
    public func scanQR(_ text: String, phone: String) async throws {
        let prefix = "https://wa.me/settings/linked_devices#"
        guard text.hasPrefix(prefix) else { throw SimulatorError("not a WhatsApp linking QR code") }
        let fields = text.dropFirst(prefix.count).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, var registration = registrations[fields[0]],
              let noise = Data(base64Encoded: fields[1]), let identity = Data(base64Encoded: fields[2]),
              let advSecret = Data(base64Encoded: fields[3]), advSecret.count == 32 else {
            throw SimulatorError("the QR code is malformed or its ref is unknown")
        }
        guard noise == registration.noiseKey.raw, identity == registration.identity.raw else {
            throw SimulatorError("the QR code's keys are not those of the connection that showed it")
        }
        registration.advSecret = advSecret
        try await sendPairSuccess(registration: registration, phone: phone)
    }

    /// The phone certifies the companion (ADV) and tells it so (§4.1 step 4).
    func sendPairSuccess(registration: Registration, phone: String) async throws {
        guard var account = accounts[phone], let advSecret = registration.advSecret else { throw SimulatorError("no simulated account \(phone)") }
        let deviceId = account.nextDeviceId
        account.nextDeviceId += 1
        accounts[phone] = account

        var device = WAAdv_ADVDeviceIdentity()
        device.rawID = UInt32.random(in: 1...UInt32.max)
        device.timestamp = UInt64(Date().timeIntervalSince1970)
        device.keyIndex = UInt32(deviceId)
        device.accountType = .e2Ee
        device.deviceType = .e2Ee
        let details = try device.serializedData()
        var signed = WAAdv_ADVSignedDeviceIdentity()
        signed.details = details
        signed.accountSignatureKey = account.accountKey.publicKey.raw
        signed.accountSignature = account.accountKey.sign(Data([6, 0]) + details + registration.identity.raw)
        var container = WAAdv_ADVSignedDeviceIdentityHMAC()
        container.details = try signed.serializedData()
        container.hmac = Data(HMAC<SHA256>.authenticationCode(for: container.details, using: SymmetricKey(data: advSecret)))
        container.accountType = .e2Ee

        let id = requestID()
        pendingRequests[id] = .pairSuccess(registration: registration, phone: phone, deviceId: deviceId, details: details, keyIndex: device.keyIndex)
        let deviceJID = JID(user: phone, server: JID.Server.user, device: deviceId)
        let lidJID = JID(user: account.lid, server: JID.Server.lid, device: deviceId)
        try await send(.iq(id: id, type: "set", children: [
            Node("pair-success", content: .nodes([
                Node("device-identity", content: .bytes([UInt8](try container.serializedData()))),
                Node("device", [("jid", .jid(deviceJID)), ("lid", .jid(lidJID))]),
                Node("platform", [("name", .string("android"))]),
            ])),
        ], extra: [("t", .string(String(Int(Date().timeIntervalSince1970))))]), to: registration.connection)
    }

    /// The companion's answer to pair-success: its device signature over our account's details.
    private func finishPairing(_ node: Node, request: PendingRequest, connection: Int) async throws {
        guard case .pairSuccess(let registration, let phone, let deviceId, let details, let keyIndex) = request,
              let account = accounts[phone] else { return }
        guard node.string("type") == "result",
              let identityNode = node.child("pair-device-sign")?.child("device-identity"), let bytes = identityNode.bytes,
              let signed = try? WAAdv_ADVSignedDeviceIdentity(serializedBytes: Data(bytes)) else {
            throw SimulatorError("pair-success was not answered with pair-device-sign")
        }
        guard identityNode.string("key-index") == String(keyIndex) else {
            throw SimulatorError("pair-device-sign has the wrong key-index")
        }
        guard signed.accountSignatureKey.isEmpty else {
            throw SimulatorError("pair-device-sign must not repeat the account signature key")
        }
        guard signed.details == details,
              XEdDSA.verify(publicKey: registration.identity,
                            message: Data([6, 1]) + details + registration.identity.raw + account.accountKey.publicKey.raw,
                            signature: signed.deviceSignature) else {
            throw SimulatorError("the companion's device signature does not verify")
        }
        companions["\(phone):\(deviceId)"] = LinkedCompanion(
            phone: phone, deviceId: deviceId, noiseKey: registration.noiseKey, identityKey: registration.identity,
            registrationId: registration.registrationId, signedPreKeyId: registration.signedPreKeyId,
            signedPreKey: registration.signedPreKey, signedPreKeySignature: registration.signedPreKeySignature, keyIndex: keyIndex
        )
        registrations = registrations.filter { $0.value.connection != registration.connection }
        record(.paired(phone: phone, deviceId: deviceId))
        // WhatsApp then asks the client to reconnect as the linked device. The client closes the
        // socket itself once it has read the 515; close it ourselves only if it does not.
        try await send(Node("stream:error", [("code", .string("515"))]), to: connection)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(5))
            await self?.closeConnection(connection)
        }
    }

    func closeConnection(_ connection: Int) async {
        if let socket = connections.removeValue(forKey: connection) { await socket.close() }
    }

    // MARK: - Login and after (§5)

    private func login(_ payload: WAWebProtobufsWa6_ClientPayload, noiseKey: PublicKey, connection: Int) async throws {
        let phone = String(payload.username)
        let deviceId = UInt16(truncatingIfNeeded: payload.device)
        guard let companion = companions["\(phone):\(deviceId)"], companion.noiseKey == noiseKey, let account = accounts[phone] else {
            try await send(Node("failure", [("reason", .string("401"))]), to: connection)
            throw SimulatorError("login of \(phone):\(deviceId) refused: not a linked device or wrong noise key")
        }
        guard payload.passive, payload.pull else {
            throw SimulatorError("a login payload must be passive with pull set, as WhatsApp Web's is")
        }
        let lid = JID(user: account.lid, server: JID.Server.lid, device: deviceId)
        try await send(Node("success", [("t", .string(String(Int(Date().timeIntervalSince1970)))), ("lid", .jid(lid))]), to: connection)
        loggedIn[connection] = (phone, deviceId)
        connectionLog[connection] = ConnectionRecord(connection: connection, phone: phone, deviceId: deviceId, loggedInAt: Date())
        companionConnections["\(phone):\(deviceId)"] = connection
        record(.loggedIn(phone: phone, deviceId: deviceId))
        // What arrived while the device was away, then the end-of-backlog marker (§5.1).
        let backlog = offlineQueue.removeValue(forKey: "\(phone):\(deviceId)") ?? []
        for stanza in backlog {
            var marked = stanza
            marked.attributes.append(("offline", .string("1")))
            try await send(marked, to: connection)
        }
        try await send(Node("ib", content: .nodes([Node("offline", [("count", .string(String(backlog.count)))])])), to: connection)
    }

    var loggedIn: [Int: (phone: String, deviceId: UInt16)] = [:]

    private func handle(_ node: Node, connection: Int) async throws {
        if node.tag != "iq", let device = loggedIn[connection] {
            switch node.tag {
            case "message": try await acceptMessage(node, from: device, connection: connection); return
            case "receipt": try await forwardReceipt(node, from: device, connection: connection); return
            case "presence", "ib", "ack", "chatstate": return
            default: break
            }
        }
        guard node.tag == "iq", let id = node.string("id") else {
            if !["presence", "ib", "receipt", "ack"].contains(node.tag) { record(.unhandled(node.tag)) }
            return
        }
        let type = node.string("type") ?? ""
        if type == "result" || type == "error" {
            if let request = pendingRequests.removeValue(forKey: id) {
                switch request {
                case .pairDevice: break
                case .pairSuccess: try await finishPairing(node, request: request, connection: connection)
                }
            }
            return
        }
        if node.string("xmlns") == "md", let reg = node.child("link_code_companion_reg") {
            try await handleCodePairing(reg, id: id, connection: connection)
            return
        }
        guard let device = loggedIn[connection] else {
            try await send(.iqError(id: id, code: 401, text: "not-authorized"), to: connection)
            return
        }
        switch (node.string("xmlns"), type, node.children.first?.tag) {
        case ("encrypt", "get", "count"):
            let count = companions["\(device.phone):\(device.deviceId)"]?.preKeys.count ?? 0
            try await send(.iq(id: id, type: "result", children: [Node("count", [("value", .string(String(count)))])]), to: connection)
        case ("encrypt", "set", _):
            try await storePreKeys(node, device: device)
            try await send(.iq(id: id, type: "result"), to: connection)
        case ("passive", "set", "active"):
            record(.becameActive(phone: device.phone, deviceId: device.deviceId))
            try await send(.iq(id: id, type: "result"), to: connection)
        case ("w:p", "get", _):
            try await send(.iq(id: id, type: "result"), to: connection)
        case ("usync", "get", "usync"):
            try await send(usync(node, id: id), to: connection)
        case ("encrypt", "get", "key"):
            try await send(await bundles(node, id: id), to: connection)
        case ("w:m", "set", "media_conn"):
            try await send(.iq(id: id, type: "result", children: [
                Node("media_conn", [("auth", .string(media.auth)), ("ttl", .string("300")), ("auth_ttl", .string("21600")), ("max_buckets", .string("12"))],
                     content: .nodes(mediaHosts.map { Node("host", [("hostname", .string($0))]) })),
            ]), to: connection)
        case ("privacy", "set", "tokens"):
            try await send(.iq(id: id, type: "result"), to: connection)
        case ("w:mex", "get", "query") where node.children.first?.string("query_id") == Self.timelockQueryID:
            try await send(.iq(id: id, type: "result", children: [
                Node("result", content: .bytes(Array(reachOutTimelockAnswer(phone: device.phone).utf8))),
            ]), to: connection)
        case ("md", "set", "remove-companion-device"):
            // A device may only unlink itself: the jid must name the device on this connection.
            let target = node.children.first?.jid("jid")
            guard target?.user == device.phone, target?.device == device.deviceId else {
                try await send(.iqError(id: id, code: 403, text: "forbidden"), to: connection)
                return
            }
            companions["\(device.phone):\(device.deviceId)"] = nil
            record(.companionRemoved(phone: device.phone, deviceId: device.deviceId))
            try await send(.iq(id: id, type: "result"), to: connection)
        default:
            record(.unhandled("iq \(node.string("xmlns") ?? "?") \(type) \(node.children.first?.tag ?? "-")"))
            try await send(.iqError(id: id, code: 501, text: "feature-not-implemented"), to: connection)
        }
    }

    /// Checks a prekey upload (§5.3) as strictly as the shape allows, then stores the keys.
    private func storePreKeys(_ node: Node, device: (phone: String, deviceId: UInt16)) async throws {
        let key = "\(device.phone):\(device.deviceId)"
        guard var companion = companions[key] else { return }
        guard node.childBytes("registration")?.count == 4, node.childBytes("type") == Data([5]),
              node.childBytes("identity") == companion.identityKey.raw,
              let list = node.child("list"), let skey = node.child("skey"),
              let skeyValue = skey.childBytes("value"), let signature = skey.childBytes("signature"),
              let signedPreKey = try? PublicKey(raw: skeyValue),
              XEdDSA.verify(publicKey: companion.identityKey, message: signedPreKey.serialized, signature: signature) else {
            throw SimulatorError("malformed prekey upload or bad signed prekey signature")
        }
        var count = 0
        for entry in list.children where entry.tag == "key" {
            guard let id = entry.childBytes("id"), id.count == 3, let value = entry.childBytes("value"),
                  let publicKey = try? PublicKey(raw: value) else {
                throw SimulatorError("a prekey entry lacks a 3-byte id or a 32-byte key")
            }
            companion.preKeys[UInt32(id.bigEndianInteger)] = publicKey
            count += 1
        }
        companions[key] = companion
        record(.preKeysUploaded(phone: device.phone, deviceId: device.deviceId, count: count))
    }
}
