import Crypto
public import Foundation

/// AES-256-GCM with the 12-byte nonce `00×8 ‖ counter (4 bytes BE)`, as WhatsApp uses it (and as
/// the Noise specification's `00×4 ‖ counter (8 bytes BE)` is for counters below 2^32).
enum NoiseCipher {
    static func nonce(_ counter: UInt32) -> AES.GCM.Nonce {
        var bytes = Data(count: 8)
        withUnsafeBytes(of: counter.bigEndian) { bytes.append(contentsOf: $0) }
        return try! AES.GCM.Nonce(data: bytes)
    }

    static func seal(_ plaintext: Data, key: SymmetricKey, counter: UInt32, authenticating aad: Data) throws(NoiseError) -> Data {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce(counter), authenticating: aad)
            // `combined` is nonce ‖ ciphertext ‖ tag in one buffer: one copy instead of three.
            guard let combined = box.combined else { throw NoiseError(.decryptFailed) }
            return Data(combined.dropFirst(12))
        } catch {
            throw NoiseError(.decryptFailed)
        }
    }

    static func open(_ ciphertext: Data, key: SymmetricKey, counter: UInt32, authenticating aad: Data) throws(NoiseError) -> Data {
        guard ciphertext.count >= 16 else { throw NoiseError(.decryptFailed) }
        do {
            let box = try AES.GCM.SealedBox(nonce: nonce(counter), ciphertext: ciphertext.dropLast(16), tag: ciphertext.suffix(16))
            return try AES.GCM.open(box, using: key, authenticating: aad)
        } catch {
            throw NoiseError(.decryptFailed)
        }
    }
}

/// The transport phase after the handshake: each direction has its own key and counter; frames
/// are authenticated with an empty associated data.
public struct NoiseTransport: Sendable {
    private let writeKey: SymmetricKey
    private let readKey: SymmetricKey
    /// The counter of the next frame each way; nil once all 2^32 nonces are used.
    private var writeCounter: UInt32?
    private var readCounter: UInt32?

    init(writeKey: SymmetricKey, readKey: SymmetricKey, writeCounter: UInt32 = 0, readCounter: UInt32 = 0) {
        self.writeKey = writeKey
        self.readKey = readKey
        self.writeCounter = writeCounter
        self.readCounter = readCounter
    }

    public mutating func encrypt(_ plaintext: Data) throws(NoiseError) -> Data {
        guard let counter = writeCounter else { throw NoiseError(.counterExhausted) }
        writeCounter = counter == .max ? nil : counter + 1
        return try NoiseCipher.seal(plaintext, key: writeKey, counter: counter, authenticating: Data())
    }

    /// Decrypts the next frame. Like whatsmeow, the counter advances even when a frame fails, so
    /// one bad frame does not desynchronise the ones after it.
    public mutating func decrypt(_ ciphertext: Data) throws(NoiseError) -> Data {
        guard let counter = readCounter else { throw NoiseError(.counterExhausted) }
        readCounter = counter == .max ? nil : counter + 1
        return try NoiseCipher.open(ciphertext, key: readKey, counter: counter, authenticating: Data())
    }
}
