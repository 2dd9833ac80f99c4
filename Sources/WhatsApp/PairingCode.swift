import Crypto
import CryptoExtras
import Foundation
import SignalProtocol
import WABinary

/// Linking with a phone-number code instead of a QR scan (protocol brief §4.2): the user types
/// the 8-character code on the phone; both sides wrap their ephemeral keys with it.
struct PairingCode: Sendable {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTVWXYZ")
    /// The code without its dash, e.g. `ABCD1234`.
    let code: String
    let ephemeral: KeyPair
    let phone: String

    init(phone: String, code: String? = nil, ephemeral: KeyPair = .generate()) {
        self.phone = phone
        self.code = code ?? Self.randomCode()
        self.ephemeral = ephemeral
    }

    /// 5 random bytes as 8 characters of the code alphabet (no 0, I, O, U).
    static func randomCode() -> String {
        let bytes = (0..<5).map { _ in UInt8.random(in: 0...255) }
        let bits = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return String((0..<8).map { alphabet[Int((bits >> UInt64(35 - 5 * $0)) & 31)] })
    }

    /// `XXXX-XXXX`, as the phone asks for it.
    var display: String { String(code.prefix(4)) + "-" + String(code.suffix(4)) }

    static func key(code: String, salt: Data) throws -> SymmetricKey {
        try KDF.Insecure.PBKDF2.deriveKey(from: Data(code.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: 2 << 16)
    }

    /// salt(32) ‖ iv(16) ‖ AES-256-CTR(PBKDF2(code, salt), iv, key32).
    static func wrap(_ publicKey: Data, code: String) throws -> Data {
        let salt = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let iv = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let ct = try AES._CTR.encrypt(publicKey, using: key(code: code, salt: salt), nonce: .init(nonceBytes: iv))
        return salt + iv + ct
    }

    static func unwrap(_ wrapped: Data, code: String) throws -> Data {
        guard wrapped.count >= 80 else { throw WhatsAppError(.pairingFailed("wrapped key shorter than 80 bytes")) }
        let bytes = Data(wrapped)
        let salt = bytes.subdata(in: 0..<32), iv = bytes.subdata(in: 32..<48), ct = bytes.subdata(in: 48..<80)
        return try AES._CTR.decrypt(ct, using: key(code: code, salt: salt), nonce: .init(nonceBytes: iv))
    }

    /// Stage 1: `companion_hello` with our wrapped ephemeral key and noise key.
    func helloRequest(noiseKey: PublicKey) throws -> Node {
        Node("link_code_companion_reg", [("jid", .jid(JID(user: phone, server: JID.Server.user))), ("stage", .string("companion_hello")),
                                         ("should_show_push_notification", .string("true"))], content: .nodes([
            Node("link_code_pairing_wrapped_companion_ephemeral_pub", content: .bytes([UInt8](try Self.wrap(ephemeral.publicKey.raw, code: code)))),
            Node("companion_server_auth_key_pub", content: .bytes([UInt8](noiseKey.raw))),
            Node("companion_platform_id", content: .string(Pairing.clientType)),
            Node("companion_platform_display", content: .string("Chrome (Linux)")),
            Node("link_code_pairing_nonce", content: .bytes([0])),
        ]))
    }

    struct Finish {
        var request: Node
        /// Replaces the stored adv secret: the pair-success HMAC is made with it.
        var advSecret: Data
    }

    /// Stage 3: from the phone's notification, the key bundle and the new adv secret.
    func finish(notification: Node, ref: Data, identity: IdentityKeyPair) throws -> Finish {
        guard let reg = notification.child("link_code_companion_reg"), reg.childData("link_code_pairing_ref") == ref,
              let primaryIdentityRaw = reg.childData("primary_identity_pub"),
              let wrapped = reg.childData("link_code_pairing_wrapped_primary_ephemeral_pub") else {
            throw WhatsAppError(.pairingFailed("the phone's code-pairing notification is incomplete or for another request"))
        }
        let primaryEphemeral = try PublicKey(raw: try Self.unwrap(wrapped, code: code))
        let primaryIdentity = try PublicKey(raw: primaryIdentityRaw)
        let ephemeralShared = try ephemeral.sharedSecret(with: primaryEphemeral)
        let advRandom = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let bundleSalt = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let nonce = Data((0..<12).map { _ in UInt8.random(in: 0...255) })
        let bundleKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: ephemeralShared), salt: bundleSalt,
                                               info: Data("link_code_pairing_key_bundle_encryption_key".utf8), outputByteCount: 32)
        let plain = identity.keyPair.publicKey.raw + primaryIdentityRaw + advRandom
        let sealed = try AES.GCM.seal(plain, using: bundleKey, nonce: .init(data: nonce))
        let wrappedBundle = bundleSalt + nonce + sealed.ciphertext + sealed.tag
        let identityShared = try identity.keyPair.sharedSecret(with: primaryIdentity)
        let advSecret = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: ephemeralShared + identityShared + advRandom),
                                               info: Data("adv_secret".utf8), outputByteCount: 32)
        let request = Node("link_code_companion_reg", [("jid", .jid(JID(user: phone, server: JID.Server.user))), ("stage", .string("companion_finish"))],
                           content: .nodes([
            Node("link_code_pairing_wrapped_key_bundle", content: .bytes([UInt8](wrappedBundle))),
            Node("companion_identity_public", content: .bytes([UInt8](identity.keyPair.publicKey.raw))),
            Node("link_code_pairing_ref", content: .bytes([UInt8](ref))),
        ]))
        return Finish(request: request, advSecret: advSecret.withUnsafeBytes { Data($0) })
    }
}
