/// A `SignalStore` in memory, for tests and for the simulator's phones.
public actor InMemorySignalStore: SignalStore {
    private let identity: IdentityKeyPair
    private var identities: [SignalAddress: PublicKey] = [:]
    private var preKeys: [UInt32: PreKeyRecord] = [:]
    private var signedPreKeys: [UInt32: SignedPreKeyRecord] = [:]
    private var sessions: [SignalAddress: SessionRecord] = [:]

    public init(identity: IdentityKeyPair = .generate()) {
        self.identity = identity
    }

    public func identityKeyPair() -> IdentityKeyPair { identity }
    public func identity(for address: SignalAddress) -> PublicKey? { identities[address] }

    @discardableResult
    public func saveIdentity(_ key: PublicKey, for address: SignalAddress) -> Bool {
        let previous = identities.updateValue(key, forKey: address)
        return previous != nil && previous != key
    }

    public func preKey(id: UInt32) -> PreKeyRecord? { preKeys[id] }
    public func storePreKey(_ record: PreKeyRecord) { preKeys[record.id] = record }
    public func removePreKey(id: UInt32) { preKeys[id] = nil }
    public func signedPreKey(id: UInt32) -> SignedPreKeyRecord? { signedPreKeys[id] }
    public func storeSignedPreKey(_ record: SignedPreKeyRecord) { signedPreKeys[record.id] = record }
    public func session(for address: SignalAddress) -> SessionRecord? { sessions[address] }
    public func storeSession(_ record: SessionRecord, for address: SignalAddress) { sessions[address] = record }
    public func deleteSession(for address: SignalAddress) { sessions[address] = nil }
}
