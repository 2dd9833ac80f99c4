public import Foundation
public import SignalProtocol
public import Store
public import WhatsApp

/// A WhatsApp session's state in the database (`sessionState` records), the storage the daemon
/// uses on PostgreSQL so every worker of a cluster finds a number's keys wherever it connects it.
/// Each save is one committed transaction before the call returns, so a ratchet step or a prekey
/// batch is durable before the frame that depends on it goes out; a send's saves are staged in
/// its batch and committed together before its frame (`DatabaseSessionBatch`).
///
/// On a cluster the writes are fenced by the worker's lease on the session: once this worker
/// has held the lease, a write made after it lost it (frozen past its expiry while another took
/// over) fails with `StoreError(.staleLease)` instead of overwriting the new owner's ratchet.
/// While it holds the lease it keeps the records it read or wrote in memory (`DatabaseSessionRecords`).
public struct DatabaseSessionStorage: SessionStorage {
    /// The record kinds; the values are the JSON the file layout writes, so a folder imports as it is.
    enum Kind {
        static let credentials = "creds"
        static let identity = "identity"
        static let peerIdentity = "peer-identity"
        static let preKey = "pre-key"
        static let signedPreKey = "signed-pre-key"
        static let session = "session"
        static let sent = "sent"
        static let reachOut = "reach-out"
        static let versionCache = "whatsapp-version"
        /// Rows of the installation rather than of one session ("*" is not a valid session name).
        static let installation = "*"
        static func contact(_ kind: ContactRecord.Kind) -> String { "contact." + kind.rawValue }
        static var contacts: [String] { ContactRecord.Kind.allCases.map(contact) }
    }

    public let name: String
    let database: SiaranDatabase
    let records: DatabaseSessionRecords
    let store: DatabaseSignalStore

    /// Opens session `name`, making its Signal identity on first use (or storing `identity`, for an import).
    /// - Parameters:
    ///   - fence: the lease this worker holds on the session now, nil when it holds none (or outside a cluster).
    ///   - leaseDeadline: when that lease ends by this worker's clock; a send's frame goes out only before it.
    public static func open(name: String, database: SiaranDatabase, identity: IdentityKeyPair? = nil,
                            fence: (@Sendable () -> LeaseFence?)? = nil,
                            leaseDeadline: (@Sendable () -> Date?)? = nil) async throws -> DatabaseSessionStorage {
        let records = DatabaseSessionRecords(session: name, database: database, fence: fence, leaseDeadline: leaseDeadline)
        let pair: IdentityKeyPair
        if let identity {
            pair = identity
            try await records.write([.init(kind: Kind.identity, key: "", value: try JSONEncoder().encode(pair))])
        } else {
            // Made once: a worker opening the session at the same moment keeps the first one stored.
            let stored = try await database.insertSessionStateIfAbsent(session: name, kind: Kind.identity, key: "",
                                                                       value: try JSONEncoder().encode(IdentityKeyPair.generate()))
            do { pair = try JSONDecoder().decode(IdentityKeyPair.self, from: stored) } catch {
                throw WhatsAppError(.storage("the Signal identity of session \(name) in the database is damaged"), "\(error)")
            }
        }
        return DatabaseSessionStorage(name: name, database: database, records: records,
                                      store: DatabaseSignalStore(identity: pair, records: records))
    }

    public var location: String { "the database (session \(name))" }
    public var folder: URL? { nil }
    public var signalStore: any SignalStore { store }

    public func storedCredentials() async throws -> SessionCredentials? {
        guard let data = try await records.value(kind: Kind.credentials, key: "") else { return nil }
        do { return try JSONDecoder().decode(SessionCredentials.self, from: data) } catch {
            throw WhatsAppError(.storage("the credentials of session \(name) in the database are damaged"), "\(error)")
        }
    }

    public func saveCredentials(_ credentials: SessionCredentials) async throws {
        try await records.write([.init(kind: Kind.credentials, key: "", value: try JSONEncoder().encode(credentials))])
    }

    public func loadContactRecords() async throws -> [ContactRecord] {
        let kinds = Dictionary(uniqueKeysWithValues: ContactRecord.Kind.allCases.map { (Kind.contact($0), $0) })
        return try await database.sessionStateRecords(session: name, kinds: Kind.contacts).compactMap { record in
            kinds[record.kind].map { ContactRecord(kind: $0, key: record.key, value: record.value) }
        }
    }

    public func saveContactRecords(_ records: [ContactRecord]) async throws {
        try await self.records.write(records.map { .init(kind: Kind.contact($0.kind), key: $0.key, value: $0.value) })
    }

    public func saveSentMessage(_ message: SentMessageRecord) async throws {
        try await records.write([.init(kind: Kind.sent, key: message.id, value: try JSONEncoder().encode(message))])
    }

    public func sentMessage(id: String) async throws -> SentMessageRecord? {
        try await records.value(kind: Kind.sent, key: id).flatMap { try? JSONDecoder().decode(SentMessageRecord.self, from: $0) }
    }

    public func pruneSentMessages(before date: Date) async throws {
        try await database.pruneSessionState(session: name, kind: Kind.sent, before: date)
        records.forget(kind: Kind.sent)
    }

    public func loadReachOut() async throws -> Data? {
        try await records.value(kind: Kind.reachOut, key: "")
    }

    public func saveReachOut(_ data: Data) async throws {
        try await records.write([.init(kind: Kind.reachOut, key: "", value: data)])
    }

    public func removeAll() async throws {
        try await database.removeSessionState(session: name)
        records.forget()
    }

    public func openBatch() -> (any SessionStateBatch)? { DatabaseSessionBatch(records: records) }

    /// Names of the sessions linked in `database` (those with credentials), sorted.
    public static func linkedSessions(in database: SiaranDatabase) async throws -> [String] {
        var linked: [String] = []
        for name in try await database.sessionStateNames(kind: Kind.credentials) {
            if let data = try await database.sessionStateValue(session: name, kind: Kind.credentials, key: ""),
               let credentials = try? JSONDecoder().decode(SessionCredentials.self, from: data), credentials.isLinked {
                linked.append(name)
            }
        }
        return linked
    }

    /// Whether session `name` has credentials in `database` (a copy cut short has none yet).
    public static func hasCredentials(_ name: String, in database: SiaranDatabase) async throws -> Bool {
        try await database.sessionStateValue(session: name, kind: Kind.credentials, key: "") != nil
    }

    /// Session `name`'s credentials in `database`, without opening its keys.
    public static func credentials(_ name: String, in database: SiaranDatabase) async throws -> SessionCredentials? {
        try await database.sessionStateValue(session: name, kind: Kind.credentials, key: "").flatMap { try? JSONDecoder().decode(SessionCredentials.self, from: $0) }
    }

    /// Session `name`'s encoded reach-out limits in `database`.
    public static func reachOut(_ name: String, in database: SiaranDatabase) async throws -> Data? {
        try await database.sessionStateValue(session: name, kind: Kind.reachOut, key: "")
    }

    /// The WhatsApp Web version cache, one for the installation (under a name no session can have).
    public static func versionCache(in database: SiaranDatabase) async -> Data? {
        try? await database.sessionStateValue(session: Kind.installation, kind: Kind.versionCache, key: "")
    }

    public static func saveVersionCache(_ data: Data, in database: SiaranDatabase) async {
        try? await database.writeSessionState(session: Kind.installation, [.init(kind: Kind.versionCache, key: "", value: data)])
    }

    /// Whether `database` holds any state of session `name`.
    public static func exists(_ name: String, in database: SiaranDatabase) async throws -> Bool {
        try await database.sessionStateValue(session: name, kind: Kind.identity, key: "") != nil
    }
}

/// The Signal part of a database session storage: our identity (kept in memory, it never
/// changes), prekeys, peers' identities and sessions as records.
actor DatabaseSignalStore: SignalStore {
    typealias Kind = DatabaseSessionStorage.Kind
    let identity: IdentityKeyPair
    let records: DatabaseSessionRecords

    init(identity: IdentityKeyPair, records: DatabaseSessionRecords) {
        self.identity = identity
        self.records = records
    }

    static func key(_ address: SignalAddress) -> String { "\(address.name).\(address.deviceId)" }

    private func read<T: Decodable>(_ type: T.Type, _ kind: String, _ key: String) async throws -> T? {
        guard let data = try await records.value(kind: kind, key: key) else { return nil }
        return try JSONDecoder().decode(type, from: data)
    }

    private func write<T: Encodable>(_ value: T, _ kind: String, _ key: String) async throws {
        try await records.write([.init(kind: kind, key: key, value: try JSONEncoder().encode(value))])
    }

    func identityKeyPair() -> IdentityKeyPair { identity }

    func identity(for address: SignalAddress) async throws -> PublicKey? {
        try await read(PublicKey.self, Kind.peerIdentity, Self.key(address))
    }

    @discardableResult
    func saveIdentity(_ key: PublicKey, for address: SignalAddress) async throws -> Bool {
        let previous = try await identity(for: address)
        if previous != key { try await write(key, Kind.peerIdentity, Self.key(address)) }
        return previous != nil && previous != key
    }

    func preKey(id: UInt32) async throws -> PreKeyRecord? { try await read(PreKeyRecord.self, Kind.preKey, String(id)) }
    func storePreKey(_ record: PreKeyRecord) async throws { try await write(record, Kind.preKey, String(record.id)) }
    func removePreKey(id: UInt32) async throws { try await records.write([.init(kind: Kind.preKey, key: String(id), value: nil)]) }

    /// One transaction for the whole batch: 812 prekeys on a first link, all durable before upload.
    func storePreKeys(_ records: [PreKeyRecord]) async throws {
        let encoder = JSONEncoder()
        try await self.records.write(try records.map { .init(kind: Kind.preKey, key: String($0.id), value: try encoder.encode($0)) })
    }

    func signedPreKey(id: UInt32) async throws -> SignedPreKeyRecord? { try await read(SignedPreKeyRecord.self, Kind.signedPreKey, String(id)) }
    func storeSignedPreKey(_ record: SignedPreKeyRecord) async throws { try await write(record, Kind.signedPreKey, String(record.id)) }

    // Sessions in their binary form (JSON written by older versions is still read).
    func session(for address: SignalAddress) async throws -> SignalProtocol.SessionRecord? {
        try await records.value(kind: Kind.session, key: Self.key(address)).map { try SignalProtocol.SessionRecord(serialized: $0) }
    }
    func storeSession(_ record: SignalProtocol.SessionRecord, for address: SignalAddress) async throws {
        try await records.write([.init(kind: Kind.session, key: Self.key(address), value: try record.serialized())])
    }
    func deleteSession(for address: SignalAddress) async throws {
        try await records.write([.init(kind: Kind.session, key: Self.key(address), value: nil)])
    }
}
