public import Foundation

/// An encrypted message ready for an `<enc>` node.
public struct CiphertextMessage: Sendable {
    public enum Kind: String, Sendable {
        /// PreKeyWhisperMessage: the session is not yet confirmed by the other side.
        case preKey = "pkmsg"
        /// WhisperMessage on an established session.
        case whisper = "msg"
    }

    public var kind: Kind
    public var serialized: Data
}

/// Builds sessions (X3DH) and encrypts/decrypts with the Double Ratchet for one remote device.
///
/// Callers serialise operations per address (the WhatsApp client does, per recipient device):
/// every call loads the record, works on a copy, and stores it only when the operation succeeded.
public struct SessionCipher: Sendable {
    public let store: any SignalStore
    public let address: SignalAddress
    public let trustPolicy: IdentityTrustPolicy

    public init(store: any SignalStore, address: SignalAddress, trustPolicy: IdentityTrustPolicy = .acceptChanges) {
        self.store = store
        self.address = address
        self.trustPolicy = trustPolicy
    }

    // MARK: - Starting a session

    /// Starts a session from a prekey bundle (we are the initiator). Returns true when the peer's
    /// identity differs from the one stored before.
    @discardableResult
    public func processBundle(_ bundle: PreKeyBundle) async throws -> Bool {
        guard XEdDSA.verify(publicKey: bundle.identityKey, message: bundle.signedPreKey.serialized, signature: bundle.signedPreKeySignature) else {
            throw SignalError(.invalidSignature, "the bundle's signed prekey signature does not verify")
        }
        let identityChanged = try await checkTrust(bundle.identityKey)
        let ours = try await store.identityKeyPair()
        let baseKey = KeyPair.generate()
        var master = Data(repeating: 0xFF, count: 32)
        master += try ours.keyPair.sharedSecret(with: bundle.signedPreKey)
        master += try baseKey.sharedSecret(with: bundle.identityKey)
        master += try baseKey.sharedSecret(with: bundle.signedPreKey)
        if let preKey = bundle.preKey { master += try baseKey.sharedSecret(with: preKey) }
        let initial = KeyDerivation.initialKeys(master)

        let ratchet = KeyPair.generate()
        let sending = KeyDerivation.ratchet(root: initial.root, sharedSecret: try ratchet.sharedSecret(with: bundle.signedPreKey))
        var state = SessionState(
            localIdentity: ours.keyPair.publicKey, remoteIdentity: bundle.identityKey,
            localRegistrationId: ours.registrationId, remoteRegistrationId: bundle.registrationId,
            rootKey: sending.root, baseKey: baseKey.publicKey,
            senderChain: .init(ratchetKeyPair: ratchet, chainKey: ChainKey(key: sending.chain, index: 0))
        )
        state.receiverChains = [.init(ratchetKey: bundle.signedPreKey, chainKey: ChainKey(key: initial.chain, index: 0))]
        state.pendingPreKey = .init(preKeyId: bundle.preKeyId, signedPreKeyId: bundle.signedPreKeyId, baseKey: baseKey.publicKey)

        var record = try await store.session(for: address) ?? SessionRecord()
        record.promote(state)
        try await store.storeSession(record, for: address)
        try await store.saveIdentity(bundle.identityKey, for: address)
        return identityChanged
    }

    /// Whether we can encrypt to this address without a bundle.
    public func hasSession() async throws -> Bool {
        try await store.session(for: address)?.hasSession ?? false
    }

    // MARK: - Encrypting

    public func encrypt(_ plaintext: Data) async throws -> CiphertextMessage {
        guard var record = try await store.session(for: address), var state = record.current else {
            throw SignalError(.noSession, "no session with \(address)")
        }
        let chainKey = state.senderChain.chainKey
        let keys = chainKey.messageKeys
        let message = WhisperMessage(
            ratchetKey: state.senderChain.ratchetKeyPair.publicKey, counter: chainKey.index,
            previousCounter: state.previousCounter, ciphertext: try keys.encrypt(plaintext),
            macKey: keys.macKey, senderIdentity: state.localIdentity, receiverIdentity: state.remoteIdentity
        )
        let result: CiphertextMessage
        if let pending = state.pendingPreKey {
            let preKeyMessage = PreKeyWhisperMessage(
                registrationId: state.localRegistrationId, preKeyId: pending.preKeyId, signedPreKeyId: pending.signedPreKeyId,
                baseKey: pending.baseKey, identityKey: state.localIdentity, message: message
            )
            result = CiphertextMessage(kind: .preKey, serialized: preKeyMessage.serialized)
        } else {
            result = CiphertextMessage(kind: .whisper, serialized: message.serialized)
        }
        state.senderChain.chainKey = chainKey.next
        record.current = state
        try await store.storeSession(record, for: address)
        return result
    }

    // MARK: - Decrypting

    /// Decrypts a `msg` (WhisperMessage) with the current or an archived session.
    public func decrypt(whisper data: Data) async throws -> Data {
        let message = try WhisperMessage(serialized: data)
        guard var record = try await store.session(for: address) else {
            throw SignalError(.noSession, "no session with \(address)")
        }
        let plaintext = try decrypt(message, record: &record)
        try await store.storeSession(record, for: address)
        return plaintext
    }

    /// A decrypted `pkmsg`, and whether it came with a different identity than the stored one
    /// (accepted under `.acceptChanges`; callers log it and may tell the operator).
    public struct PreKeyDecryption: Sendable {
        public var plaintext: Data
        public var identityChanged: Bool
    }

    /// Decrypts a `pkmsg` (PreKeyWhisperMessage), building the session first if it is new.
    /// The consumed one-time prekey is removed only after the message decrypted.
    public func decrypt(preKey data: Data) async throws -> PreKeyDecryption {
        let message = try PreKeyWhisperMessage(serialized: data)
        var record = try await store.session(for: address) ?? SessionRecord()
        var usedPreKey: UInt32?
        var identityChanged = false
        let known = (record.current.map { [$0] } ?? []) + record.previous
        if !known.contains(where: { $0.baseKey == message.baseKey }) {
            identityChanged = try await checkTrust(message.identityKey)
            record.promote(try await responderState(for: message))
            usedPreKey = message.preKeyId
        }
        let plaintext = try decrypt(message.message, record: &record)
        try await store.storeSession(record, for: address)
        try await store.saveIdentity(message.identityKey, for: address)
        if let usedPreKey { try await store.removePreKey(id: usedPreKey) }
        return PreKeyDecryption(plaintext: plaintext, identityChanged: identityChanged)
    }

    /// X3DH as the responder (protocol brief §10.4).
    private func responderState(for message: PreKeyWhisperMessage) async throws -> SessionState {
        let ours = try await store.identityKeyPair()
        guard let signedPreKey = try await store.signedPreKey(id: message.signedPreKeyId) else {
            throw SignalError(.invalidSignedPreKeyID(message.signedPreKeyId), "unknown signed prekey \(message.signedPreKeyId)")
        }
        var master = Data(repeating: 0xFF, count: 32)
        master += try signedPreKey.keyPair.sharedSecret(with: message.identityKey)
        master += try ours.keyPair.sharedSecret(with: message.baseKey)
        master += try signedPreKey.keyPair.sharedSecret(with: message.baseKey)
        if let preKeyId = message.preKeyId {
            guard let preKey = try await store.preKey(id: preKeyId) else {
                throw SignalError(.invalidPreKeyID(preKeyId), "unknown one-time prekey \(preKeyId)")
            }
            master += try preKey.keyPair.sharedSecret(with: message.baseKey)
        }
        let initial = KeyDerivation.initialKeys(master)
        return SessionState(
            localIdentity: ours.keyPair.publicKey, remoteIdentity: message.identityKey,
            localRegistrationId: ours.registrationId, remoteRegistrationId: message.registrationId,
            rootKey: initial.root, baseKey: message.baseKey,
            senderChain: .init(ratchetKeyPair: signedPreKey.keyPair, chainKey: ChainKey(key: initial.chain, index: 0))
        )
    }

    /// Tries the current state, then each archived one; a state that works becomes current.
    private func decrypt(_ message: WhisperMessage, record: inout SessionRecord) throws(SignalError) -> Data {
        var firstError: SignalError?
        if var state = record.current {
            do {
                let plaintext = try Self.decrypt(message, state: &state)
                record.current = state
                return plaintext
            } catch {
                firstError = error
            }
        }
        for (index, candidate) in record.previous.enumerated() {
            var state = candidate
            if let plaintext = try? Self.decrypt(message, state: &state) {
                record.previous.remove(at: index)
                record.promote(state)
                return plaintext
            }
        }
        throw firstError ?? SignalError(.noSession, "no session state could decrypt the message")
    }

    /// Decrypts with one state; `state` is only changed when the MAC verified.
    static func decrypt(_ message: WhisperMessage, state: inout SessionState) throws(SignalError) -> Data {
        var working = state
        let chain = try working.receiverChainIndex(for: message.ratchetKey)
        let keys = try working.messageKeys(chain: chain, counter: message.counter)
        guard message.verifyMAC(macKey: keys.macKey, sender: working.remoteIdentity, receiver: working.localIdentity) else {
            throw SignalError(.invalidMAC, "Bad MAC")
        }
        let plaintext = try keys.decrypt(message.ciphertext)
        working.pendingPreKey = nil
        state = working
        return plaintext
    }

    /// Applies the trust policy; returns true when a previously stored identity changed.
    private func checkTrust(_ identity: PublicKey) async throws -> Bool {
        guard let stored = try await store.identity(for: address), stored != identity else { return false }
        if trustPolicy == .refuseChanges {
            throw SignalError(.untrustedIdentity, "the identity key of \(address) changed")
        }
        return true
    }
}
