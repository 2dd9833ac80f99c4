import Crypto
import CryptoExtras
public import Foundation

/// The KDF chains of libsignal v3 (protocol brief §10.5).
enum KeyDerivation {
    static func hkdf(_ input: Data, salt: Data, info: String, length: Int) -> Data {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: input), salt: salt, info: Data(info.utf8), outputByteCount: length
        )
        return key.withUnsafeBytes { Data($0) }
    }

    static func hmac(_ key: Data, _ message: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// X3DH master secret → (root key, chain key).
    static func initialKeys(_ master: Data) -> (root: Data, chain: Data) {
        let out = hkdf(master, salt: Data(count: 32), info: "WhisperText", length: 64)
        return (out.prefix(32), out.suffix(32))
    }

    /// One DH ratchet step from a root key → (new root key, new chain key).
    static func ratchet(root: Data, sharedSecret: Data) -> (root: Data, chain: Data) {
        let out = hkdf(sharedSecret, salt: root, info: "WhisperRatchet", length: 64)
        return (out.prefix(32), out.suffix(32))
    }
}

/// A symmetric chain: each step yields a message key and the next chain key.
struct ChainKey: Codable, Equatable {
    var key: Data
    var index: UInt32

    var messageKeys: MessageKeys {
        let seed = KeyDerivation.hmac(key, Data([0x01]))
        let material = KeyDerivation.hkdf(seed, salt: Data(count: 32), info: "WhisperMessageKeys", length: 80)
        return MessageKeys(cipherKey: material.prefix(32), macKey: Data(material[32..<64]), iv: material.suffix(16), counter: index)
    }

    var next: ChainKey {
        ChainKey(key: KeyDerivation.hmac(key, Data([0x02])), index: index + 1)
    }
}

/// Keys for one message.
public struct MessageKeys: Codable, Equatable, Sendable {
    public var cipherKey: Data
    public var macKey: Data
    public var iv: Data
    public var counter: UInt32

    func encrypt(_ plaintext: Data) throws(SignalError) -> Data {
        do {
            return try AES._CBC.encrypt(plaintext, using: SymmetricKey(data: cipherKey), iv: AES._CBC.IV(ivBytes: iv))
        } catch {
            throw SignalError(.invalidKey, "AES-CBC encryption failed")
        }
    }

    func decrypt(_ ciphertext: Data) throws(SignalError) -> Data {
        do {
            return try AES._CBC.decrypt(ciphertext, using: SymmetricKey(data: cipherKey), iv: AES._CBC.IV(ivBytes: iv))
        } catch {
            throw SignalError(.decryptionFailed, "AES-CBC decryption failed (bad padding or length)")
        }
    }
}
