import Crypto
import CryptoExtras
import Foundation

/// WhatsApp's media encryption (protocol brief §8.2): AES-256-CBC with keys expanded from a
/// random media key, a 10-byte HMAC over iv ‖ ciphertext, and the hashes the message carries.
struct EncryptedMedia: Sendable {
    var mediaKey: Data
    /// `ciphertext ‖ mac`, the upload body.
    var body: Data
    var fileSHA256: Data
    var fileEncSHA256: Data
    var fileLength: UInt64

    enum Kind: String, Sendable {
        case image = "WhatsApp Image Keys"
        case video = "WhatsApp Video Keys"
        case audio = "WhatsApp Audio Keys"
        case document = "WhatsApp Document Keys"

        /// The path segment of the upload URL.
        var uploadPath: String {
            switch self {
            case .image: "image"
            case .video: "video"
            case .audio: "audio"
            case .document: "document"
            }
        }
    }

    static func expand(mediaKey: Data, kind: Kind) -> (iv: Data, cipherKey: Data, macKey: Data) {
        let expanded = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: mediaKey), info: Data(kind.rawValue.utf8), outputByteCount: 112)
            .withUnsafeBytes { Data($0) }
        return (expanded.subdata(in: 0..<16), expanded.subdata(in: 16..<48), expanded.subdata(in: 48..<80))
    }

    static func encrypt(_ plaintext: Data, kind: Kind, mediaKey: Data = Data((0..<32).map { _ in UInt8.random(in: 0...255) })) throws -> EncryptedMedia {
        let keys = expand(mediaKey: mediaKey, kind: kind)
        let ciphertext = try AES._CBC.encrypt(plaintext, using: SymmetricKey(data: keys.cipherKey), iv: .init(ivBytes: keys.iv))
        let mac = Data(HMAC<SHA256>.authenticationCode(for: keys.iv + ciphertext, using: SymmetricKey(data: keys.macKey))).prefix(10)
        let body = ciphertext + mac
        return EncryptedMedia(mediaKey: mediaKey, body: body, fileSHA256: Data(SHA256.hash(data: plaintext)),
                              fileEncSHA256: Data(SHA256.hash(data: body)), fileLength: UInt64(plaintext.count))
    }

    /// The upload token: URL-safe base64 of fileEncSHA256 (padding kept, as whatsmeow sends it).
    var token: String {
        fileEncSHA256.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
