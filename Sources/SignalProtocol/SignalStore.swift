/// Where our identity and the remote identities live.
public protocol IdentityKeyStore: Sendable {
    func identityKeyPair() async throws -> IdentityKeyPair
    func identity(for address: SignalAddress) async throws -> PublicKey?
    /// Saves a remote identity; returns true when it replaced a different one.
    @discardableResult
    func saveIdentity(_ key: PublicKey, for address: SignalAddress) async throws -> Bool
}

public protocol PreKeyStore: Sendable {
    func preKey(id: UInt32) async throws -> PreKeyRecord?
    func storePreKey(_ record: PreKeyRecord) async throws
    /// Stores many prekeys at once (a stores may make them durable together, cheaper than one by one).
    func storePreKeys(_ records: [PreKeyRecord]) async throws
    func removePreKey(id: UInt32) async throws
}

extension PreKeyStore {
    public func storePreKeys(_ records: [PreKeyRecord]) async throws {
        for record in records { try await storePreKey(record) }
    }
}

public protocol SignedPreKeyStore: Sendable {
    func signedPreKey(id: UInt32) async throws -> SignedPreKeyRecord?
    func storeSignedPreKey(_ record: SignedPreKeyRecord) async throws
}

public protocol SessionStore: Sendable {
    func session(for address: SignalAddress) async throws -> SessionRecord?
    func storeSession(_ record: SessionRecord, for address: SignalAddress) async throws
    func deleteSession(for address: SignalAddress) async throws
}

/// Everything a session cipher needs.
public typealias SignalStore = IdentityKeyStore & PreKeyStore & SignedPreKeyStore & SessionStore

/// What to do when a peer's identity key changes.
public enum IdentityTrustPolicy: Sendable {
    /// Trust on first use and accept later changes, reporting them (what WhatsApp clients do).
    case acceptChanges
    /// Refuse messages from a changed identity until someone deletes the stored one.
    case refuseChanges
}
