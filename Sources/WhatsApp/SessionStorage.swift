public import Foundation
public import SignalProtocol

/// Everything one linked number keeps between runs, behind one interface: its Signal keys and
/// sessions, its credentials, what it learned about contacts, the messages it sent (for retry
/// receipts) and its reach-out limits.
///
/// Two implementations: `SessionFolder` (files under `state/sessions/<name>/`, the SQLite
/// installations' layout) and the database storage the daemon uses on PostgreSQL, where every
/// worker of a cluster must see the same state. Every write has reached its durable home when
/// the call returns — the protocol needs a ratchet step or an uploaded prekey saved before the
/// next frame goes out — except inside a batch (`openBatch()`), whose writes are durable once it
/// is finished, before the send's frame goes out.
public protocol SessionStorage: Sendable {
    /// The session's name (`utama`).
    var name: String { get }
    /// Where the state lives, in words for logs and errors (a folder's path, or "the database").
    var location: String { get }
    /// The session's folder when its state is kept in files; nil when it lives in the database.
    var folder: URL? { get }
    /// Our identity, prekeys, the peers' identities and the Signal sessions with them.
    var signalStore: any SignalStore { get }

    /// The stored credentials; nil for a number that never started linking here.
    func storedCredentials() async throws -> SessionCredentials?
    func saveCredentials(_ credentials: SessionCredentials) async throws

    /// Every contact record, read once when the session opens.
    func loadContactRecords() async throws -> [ContactRecord]
    /// Persists only the records that changed (a value of nil deletes the record).
    func saveContactRecords(_ records: [ContactRecord]) async throws

    func saveSentMessage(_ message: SentMessageRecord) async throws
    func sentMessage(id: String) async throws -> SentMessageRecord?
    /// Forgets sent messages last saved before `date`.
    func pruneSentMessages(before date: Date) async throws

    /// The encoded reach-out limits (`ReachOutLimits`), nil when none were saved.
    func loadReachOut() async throws -> Data?
    func saveReachOut(_ data: Data) async throws

    /// Deletes every piece of this session's state (logout, `siaran sessions remove`).
    func removeAll() async throws

    /// A unit of work for one send (see `SessionStateBatch`); nil when this storage writes each
    /// change at once anyway (a folder: one file or journal line per record).
    func openBatch() -> (any SessionStateBatch)?
}

extension SessionStorage {
    public func openBatch() -> (any SessionStateBatch)? { nil }
}

extension SessionStorage {
    /// The stored credentials, or fresh ones (with their signed prekey saved) for a device not
    /// linked yet.
    public func loadCredentials() async throws -> SessionCredentials {
        if let credentials = try await storedCredentials() { return credentials }
        let credentials = SessionCredentials()
        let identity = try await signalStore.identityKeyPair()
        try await signalStore.storeSignedPreKey(.generate(id: credentials.signedPreKeyId, identity: identity))
        try await saveCredentials(credentials)
        return credentials
    }
}

/// One fact of the contact directory, the unit a storage writes: a phone ↔ LID pair, a number
/// check, a device list, a privacy token received or issued. The value is the record's JSON.
public struct ContactRecord: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// phone → LID user
        case lid
        /// phone → whether it is on WhatsApp, and when that was asked
        case numberCheck = "check"
        /// user JID → device numbers
        case devices
        /// LID user → the privacy token that contact gave us
        case privacyToken = "token"
        /// LID user → when we last issued our token to them
        case tokenIssued = "issued"
    }

    public var kind: Kind
    public var key: String
    /// The JSON of the value; nil when the record was deleted.
    public var value: Data?

    public init(kind: Kind, key: String, value: Data?) {
        self.kind = kind
        self.key = key
        self.value = value
    }
}

/// A message we sent, kept so a retry receipt can be answered by re-encrypting it — even after a
/// restart — and a recipient never stays on "waiting for this message".
public struct SentMessageRecord: Codable, Sendable, Equatable {
    public var id: String
    /// The chat as addressed on the wire (the recipient's LID user JID).
    public var chat: String
    public var phone: String
    /// The serialized `Message` protobuf (before padding).
    public var message: Data
    public var sentAt: Date
    public var retries: [String: Int] = [:]

    public init(id: String, chat: String, phone: String, message: Data, sentAt: Date, retries: [String: Int] = [:]) {
        self.id = id
        self.chat = chat
        self.phone = phone
        self.message = message
        self.sentAt = sentAt
        self.retries = retries
    }
}
