import Crypto
public import Foundation
public import SignalProtocol

/// The symmetric state of `Noise_XX_25519_AESGCM_SHA256`: hash, chaining key, cipher key, counter.
///
/// WhatsApp's flavour differs from the Noise specification in one point only: the (empty) payload
/// of the first handshake message is not mixed into the hash. `Flavour.standard` follows the
/// specification so the core can be tested against textbook implementations.
public struct NoiseHandshake: Sendable {
    public enum Flavour: Sendable {
        case whatsapp
        case standard
    }

    public enum Role: Sendable {
        case initiator
        case responder
    }

    /// `Noise_XX_25519_AESGCM_SHA256` padded with NUL bytes to 32: used directly as `h` and `ck`.
    static let protocolName = Data("Noise_XX_25519_AESGCM_SHA256".utf8) + Data(count: 4)

    public let role: Role
    public let flavour: Flavour
    private(set) var hash: Data
    private var chainingKey: Data
    private var key: SymmetricKey?
    private var counter: UInt32 = 0

    private let staticKey: KeyPair
    private let ephemeral: KeyPair
    private(set) var remoteEphemeral: PublicKey?
    /// The peer's static key, known after the second (initiator) or third (responder) message.
    public private(set) var remoteStatic: PublicKey?
    private var step = 0

    /// - Parameters:
    ///   - prologue: mixed into the hash first; WhatsApp uses the connection header `WA 06 03`.
    ///   - staticKey: our long-term Noise key (the client's "noise key", the server's static key).
    ///   - ephemeral: only for tests that need fixed keys; normally fresh per connection.
    public init(role: Role, flavour: Flavour = .whatsapp, prologue: Data, staticKey: KeyPair, ephemeral: KeyPair = .generate()) {
        self.role = role
        self.flavour = flavour
        self.hash = Self.protocolName
        self.chainingKey = Self.protocolName
        self.staticKey = staticKey
        self.ephemeral = ephemeral
        mixHash(prologue)
    }

    // MARK: - Symmetric state

    mutating func mixHash(_ data: Data) {
        hash = Data(SHA256.hash(data: hash + data))
    }

    mutating func mixKey(_ inputKeyMaterial: Data) {
        let output = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: chainingKey, info: Data(), outputByteCount: 64
        ).withUnsafeBytes { Data($0) }
        chainingKey = output.prefix(32)
        key = SymmetricKey(data: output.suffix(32))
        counter = 0
    }

    mutating func encryptAndHash(_ plaintext: Data) throws(NoiseError) -> Data {
        guard let key else {
            mixHash(plaintext)
            return plaintext
        }
        let ciphertext = try NoiseCipher.seal(plaintext, key: key, counter: counter, authenticating: hash)
        counter += 1
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: Data) throws(NoiseError) -> Data {
        guard let key else {
            mixHash(ciphertext)
            return ciphertext
        }
        let plaintext = try NoiseCipher.open(ciphertext, key: key, counter: counter, authenticating: hash)
        counter += 1
        mixHash(ciphertext)
        return plaintext
    }

    private func dh(_ pair: KeyPair, _ key: PublicKey?) throws(NoiseError) -> Data {
        guard let key else { throw NoiseError(.unexpectedStep("a key is missing")) }
        do { return try pair.sharedSecret(with: key) } catch { throw NoiseError(.malformedHandshake("bad public key")) }
    }

    private mutating func expect(step expected: Int, _ name: String) throws(NoiseError) {
        guard step == expected else { throw NoiseError(.unexpectedStep(name)) }
        step += 1
    }

    // MARK: - Message 1: -> e

    /// Initiator: our ephemeral key (the ClientHello).
    public mutating func writeMessage1(payload: Data = Data()) throws(NoiseError) -> (ephemeral: Data, payload: Data) {
        try expect(step: 0, "message 1")
        mixHash(ephemeral.publicKey.raw)
        let encrypted = flavour == .standard ? try encryptAndHash(payload) : payload
        return (ephemeral.publicKey.raw, encrypted)
    }

    /// Responder: the initiator's ephemeral key.
    public mutating func readMessage1(ephemeral remote: Data, payload: Data = Data()) throws(NoiseError) {
        try expect(step: 0, "message 1")
        guard remote.count == 32 else { throw NoiseError(.malformedHandshake("the ephemeral key must be 32 bytes")) }
        remoteEphemeral = try? PublicKey(raw: remote)
        mixHash(remote)
        if flavour == .standard { _ = try decryptAndHash(payload) }
    }

    // MARK: - Message 2: <- e, ee, s, es

    /// Responder: our ephemeral, our encrypted static key and the encrypted payload (the certificate chain).
    public mutating func writeMessage2(payload: Data) throws(NoiseError) -> (ephemeral: Data, encryptedStatic: Data, payload: Data) {
        try expect(step: 1, "message 2")
        mixHash(ephemeral.publicKey.raw)
        mixKey(try dh(ephemeral, remoteEphemeral))
        let encryptedStatic = try encryptAndHash(staticKey.publicKey.raw)
        mixKey(try dh(staticKey, remoteEphemeral))
        return (ephemeral.publicKey.raw, encryptedStatic, try encryptAndHash(payload))
    }

    /// Initiator: returns the decrypted payload (the certificate chain). The server's static key is
    /// then in `remoteStatic`.
    public mutating func readMessage2(ephemeral remote: Data, encryptedStatic: Data, payload: Data) throws(NoiseError) -> Data {
        try expect(step: 1, "message 2")
        guard remote.count == 32 else { throw NoiseError(.malformedHandshake("the server ephemeral key must be 32 bytes")) }
        remoteEphemeral = try? PublicKey(raw: remote)
        mixHash(remote)
        mixKey(try dh(ephemeral, remoteEphemeral))
        let serverStatic = try decryptAndHash(encryptedStatic)
        guard serverStatic.count == 32 else { throw NoiseError(.malformedHandshake("the server static key must be 32 bytes")) }
        remoteStatic = try? PublicKey(raw: serverStatic)
        mixKey(try dh(ephemeral, remoteStatic))
        return try decryptAndHash(payload)
    }

    // MARK: - Message 3: -> s, se

    /// Initiator: our encrypted static key and payload (the ClientPayload).
    public mutating func writeMessage3(payload: Data) throws(NoiseError) -> (encryptedStatic: Data, payload: Data) {
        try expect(step: 2, "message 3")
        let encryptedStatic = try encryptAndHash(staticKey.publicKey.raw)
        mixKey(try dh(staticKey, remoteEphemeral))
        return (encryptedStatic, try encryptAndHash(payload))
    }

    /// Responder: returns the decrypted payload; the client's static key is then in `remoteStatic`.
    public mutating func readMessage3(encryptedStatic: Data, payload: Data) throws(NoiseError) -> Data {
        try expect(step: 2, "message 3")
        let clientStatic = try decryptAndHash(encryptedStatic)
        guard clientStatic.count == 32 else { throw NoiseError(.malformedHandshake("the client static key must be 32 bytes")) }
        remoteStatic = try? PublicKey(raw: clientStatic)
        mixKey(try dh(ephemeral, remoteStatic))
        return try decryptAndHash(payload)
    }

    // MARK: - Split

    /// The transport keys: the initiator writes with the first and reads with the second.
    public func split() throws(NoiseError) -> NoiseTransport {
        guard step == 3 else { throw NoiseError(.unexpectedStep("split before the handshake finished")) }
        let output = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data()), salt: chainingKey, info: Data(), outputByteCount: 64
        ).withUnsafeBytes { Data($0) }
        let first = SymmetricKey(data: output.prefix(32)), second = SymmetricKey(data: output.suffix(32))
        return role == .initiator ? NoiseTransport(writeKey: first, readKey: second) : NoiseTransport(writeKey: second, readKey: first)
    }
}
