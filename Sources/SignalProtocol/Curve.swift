internal import CSiaranSodium
public import Foundation
import Crypto

/// A Curve25519 public key as Signal serialises it: the type byte 0x05 then 32 bytes.
public struct PublicKey: Sendable, Hashable, Codable {
    /// libsignal's "DJB" key type.
    public static let typeByte: UInt8 = 0x05

    /// The 32 raw key bytes (what WhatsApp's XML layer carries).
    public let raw: Data

    public init(raw: Data) throws(SignalError) {
        guard raw.count == 32 else { throw SignalError(.invalidKey, "a public key has 32 bytes, got \(raw.count)") }
        self.raw = raw
    }

    /// Reads the 33-byte form with the type byte.
    public init(serialized: Data) throws(SignalError) {
        guard serialized.count == 33, serialized.first == Self.typeByte else {
            throw SignalError(.invalidKey, "a serialized public key is 0x05 followed by 32 bytes")
        }
        self.raw = Data(serialized.dropFirst())
    }

    /// `05 ‖ raw`, as used inside Signal protobufs, MACs and signed prekey signatures.
    public var serialized: Data { Data([Self.typeByte]) + raw }
}

/// A Curve25519 key pair. The private key is never logged or described.
public struct KeyPair: Sendable, Codable, CustomStringConvertible {
    public let publicKey: PublicKey
    let privateKey: Data

    /// A new random key pair.
    public static func generate() -> KeyPair {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return KeyPair(privateKey: key.rawRepresentation, publicKey: try! PublicKey(raw: key.publicKey.rawRepresentation))
    }

    /// Rebuilds a key pair from a stored 32-byte private key (Baileys and whatsmeow store them raw).
    public init(privateKey: Data) throws(SignalError) {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey) else {
            throw SignalError(.invalidKey, "a private key has 32 bytes")
        }
        self.privateKey = privateKey
        self.publicKey = try PublicKey(raw: key.publicKey.rawRepresentation)
    }

    init(privateKey: Data, publicKey: PublicKey) {
        self.privateKey = privateKey
        self.publicKey = publicKey
    }

    /// The raw private key, for persisting in the auth state (mode 0600 files only).
    public var privateKeyBytes: Data { privateKey }

    /// X25519 with another party's public key.
    ///
    /// Kept on swift-crypto (BoringSSL's assembly): libsodium's X25519 was tried and cost more
    /// per agreement on this machine than the public key swift-crypto derives again each time.
    public func sharedSecret(with other: PublicKey) throws(SignalError) -> Data {
        do {
            let mine = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey)
            let theirs = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: other.raw)
            return try mine.sharedSecretFromKeyAgreement(with: theirs).withUnsafeBytes { Data($0) }
        } catch {
            throw SignalError(.invalidKey, "key agreement failed")
        }
    }

    /// A libsignal-compatible signature (XEdDSA as libsignal implements it).
    public func sign(_ message: Data) -> Data {
        XEdDSA.sign(privateKey: privateKey, message: message)
    }

    public var description: String { "KeyPair(public: \(publicKey.raw.base64EncodedString()))" }
}

/// libsignal's `curve25519_sign`/`verify`: Ed25519 signatures made with an X25519 private key.
public enum XEdDSA {
    /// Signs with libsodium's constant-time scalar and point operations (protocol brief §5.5).
    public static func sign(privateKey: Data, message: Data, random: Data? = nil) -> Data {
        precondition(privateKey.count == 32)
        _ = sodium_init()
        var a = [UInt8](privateKey)
        a[0] &= 248
        a[31] &= 127
        a[31] |= 64
        // A = a·B, the Edwards public key.
        var publicA = [UInt8](repeating: 0, count: 32)
        crypto_scalarmult_ed25519_base_noclamp(&publicA, a)
        // r = SHA-512(0xFE ‖ 0xFF×31 ‖ k ‖ M ‖ Z) mod L, as libsignal-protocol-go does.
        let z = random ?? Data((0..<64).map { _ in UInt8.random(in: 0...255) })
        var nonceInput = Data([0xFE] + [UInt8](repeating: 0xFF, count: 31))
        nonceInput += privateKey
        nonceInput += message
        nonceInput += z
        var r = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&r, Array(SHA512.hash(data: nonceInput)))
        var publicR = [UInt8](repeating: 0, count: 32)
        crypto_scalarmult_ed25519_base_noclamp(&publicR, r)
        // h = SHA-512(R ‖ A ‖ M) mod L; S = r + h·a mod L.
        var h = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&h, Array(SHA512.hash(data: Data(publicR) + Data(publicA) + message)))
        var aWide = [UInt8](repeating: 0, count: 64)
        aWide.replaceSubrange(0..<32, with: a)
        var aReduced = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&aReduced, aWide)
        var ha = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_mul(&ha, h, aReduced)
        var s = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_add(&s, r, ha)
        sodium_memzero(&a, 32)
        sodium_memzero(&aReduced, 32)
        sodium_memzero(&aWide, 64)
        sodium_memzero(&r, 32)
        var signature = publicR + s
        signature[63] |= publicA[31] & 0x80
        return Data(signature)
    }

    /// Verifies a signature against a Montgomery public key.
    public static func verify(publicKey: PublicKey, message: Data, signature: Data) -> Bool {
        guard signature.count == 64 else { return false }
        _ = sodium_init()
        var edwards = edwardsY(montgomery: publicKey)
        var sig = [UInt8](signature)
        edwards[31] |= sig[63] & 0x80
        sig[63] &= 0x7F
        let m = [UInt8](message)
        return crypto_sign_ed25519_verify_detached(sig, m, UInt64(m.count), edwards) == 0
    }

    /// The Edwards y-coordinate, y = (u − 1) / (u + 1), of a Montgomery public key, encoded as
    /// Ed25519 encodes it (sign bit clear; the signature supplies it).
    static func edwardsY(montgomery publicKey: PublicKey) -> [UInt8] {
        var u = [UInt8](publicKey.raw)
        u[31] &= 0x7F
        let uElement = FieldElement(littleEndian: u)
        return ((uElement - .one) * (uElement + .one).inverse()).littleEndianBytes
    }
}
