public import Foundation

/// One Double Ratchet session with one remote device (libsignal's SessionStructure).
struct SessionState: Codable, Sendable {
    /// Messages further ahead than this on one chain are refused (both reference libraries use 2000).
    static let maximumSkip: UInt32 = 2000
    /// Skipped message keys kept per receiving chain.
    static let maximumSkippedKeys = 2000
    /// Receiving chains kept per state (libsignal-protocol-go keeps 5).
    static let maximumReceiverChains = 5

    struct SenderChain: Codable, Sendable {
        var ratchetKeyPair: KeyPair
        var chainKey: ChainKey
    }

    struct ReceiverChain: Codable, Sendable {
        var ratchetKey: PublicKey
        var chainKey: ChainKey
        /// Keys of messages that were skipped on this chain, oldest first.
        var skipped: [MessageKeys] = []
    }

    /// Present until the other side answers, so our messages carry what it needs to build the session.
    struct PendingPreKey: Codable, Sendable {
        var preKeyId: UInt32?
        var signedPreKeyId: UInt32
        var baseKey: PublicKey
    }

    var version = 3
    var localIdentity: PublicKey
    var remoteIdentity: PublicKey
    var localRegistrationId: UInt32
    var remoteRegistrationId: UInt32
    var rootKey: Data
    /// The initiator's base key: identifies the session when a PreKeyWhisperMessage repeats.
    var baseKey: PublicKey
    var previousCounter: UInt32 = 0
    var senderChain: SenderChain
    var receiverChains: [ReceiverChain] = []
    var pendingPreKey: PendingPreKey?

    /// The chain for a remote ratchet key, creating it (a DH ratchet step) when it is new.
    mutating func receiverChainIndex(for theirRatchetKey: PublicKey) throws(SignalError) -> Int {
        if let index = receiverChains.firstIndex(where: { $0.ratchetKey == theirRatchetKey }) {
            return index
        }
        let receiving = KeyDerivation.ratchet(root: rootKey, sharedSecret: try senderChain.ratchetKeyPair.sharedSecret(with: theirRatchetKey))
        receiverChains.append(ReceiverChain(ratchetKey: theirRatchetKey, chainKey: ChainKey(key: receiving.chain, index: 0)))
        if receiverChains.count > Self.maximumReceiverChains { receiverChains.removeFirst() }
        let newRatchet = KeyPair.generate()
        let sending = KeyDerivation.ratchet(root: receiving.root, sharedSecret: try newRatchet.sharedSecret(with: theirRatchetKey))
        rootKey = sending.root
        previousCounter = senderChain.chainKey.index == 0 ? 0 : senderChain.chainKey.index - 1
        senderChain = SenderChain(ratchetKeyPair: newRatchet, chainKey: ChainKey(key: sending.chain, index: 0))
        return receiverChains.count - 1
    }

    /// The keys for message `counter` on a chain, storing keys for any messages skipped over.
    mutating func messageKeys(chain index: Int, counter: UInt32) throws(SignalError) -> MessageKeys {
        var chain = receiverChains[index]
        if chain.chainKey.index > counter {
            guard let found = chain.skipped.firstIndex(where: { $0.counter == counter }) else {
                throw SignalError(.duplicateMessage, "message \(counter) was already received")
            }
            let keys = chain.skipped.remove(at: found)
            receiverChains[index] = chain
            return keys
        }
        guard counter - chain.chainKey.index <= Self.maximumSkip else {
            throw SignalError(.tooFarIntoFuture, "message \(counter) is more than \(Self.maximumSkip) messages ahead")
        }
        var key = chain.chainKey
        while key.index < counter {
            chain.skipped.append(key.messageKeys)
            if chain.skipped.count > Self.maximumSkippedKeys { chain.skipped.removeFirst() }
            key = key.next
        }
        chain.chainKey = key.next
        receiverChains[index] = chain
        return key.messageKeys
    }
}

/// Everything we know about sessions with one remote device: the current session and the
/// previous ones, kept so messages from a peer that has not yet seen our new session still decrypt.
public struct SessionRecord: Codable, Sendable {
    /// Archived states kept (both reference libraries keep 40).
    static let maximumPreviousStates = 40

    var current: SessionState?
    var previous: [SessionState] = []

    public init() {}

    /// Whether there is a session we can encrypt with.
    public var hasSession: Bool { current != nil }

    /// Makes `state` current, archiving the one it replaces.
    mutating func promote(_ state: SessionState) {
        if let current { previous.insert(current, at: 0) }
        if previous.count > Self.maximumPreviousStates { previous.removeLast(previous.count - Self.maximumPreviousStates) }
        current = state
    }

    /// Archives the current session so the next message starts a new one (e.g. after repeated Bad MAC).
    public mutating func archiveCurrentSession() {
        if let current { previous.insert(current, at: 0); self.current = nil }
        if previous.count > Self.maximumPreviousStates { previous.removeLast(previous.count - Self.maximumPreviousStates) }
    }
}
