import Crypto
import Foundation
import SignalProtocol
import WABinary
import WAProto

/// Linking as a companion device (protocol brief §4): the QR texts to show, and the checks and
/// signature that answer the phone's pair-success.
enum Pairing {
    static let qrPrefix = "https://wa.me/settings/linked_devices#"
    /// PairClientType "9": another web client (our DeviceProps platform is DESKTOP/WEB).
    static let clientType = "9"

    /// One QR text per ref from `<pair-device>`, in the order they are to be shown.
    static func qrTexts(refs: [String], credentials: SessionCredentials, identity: IdentityKeyPair) -> [String] {
        refs.map { ref in
            qrPrefix + [ref, credentials.noiseKey.publicKey.raw.base64EncodedString(), identity.keyPair.publicKey.raw.base64EncodedString(),
                        credentials.advSecretKey.base64EncodedString(), clientType].joined(separator: ",")
        }
    }

    /// What a verified pair-success gives us.
    struct Linked {
        var reply: Node
        var deviceJID: JID
        var lidJID: JID?
        /// The `ADVSignedDeviceIdentity` to keep (with account signature key and our signature).
        var account: Data
        /// The primary phone's Signal identity (the account signature key).
        var primaryIdentity: PublicKey
        var platform: String?
    }

    /// Verifies the phone's ADV device identity (HMAC with our adv secret, account signature over
    /// our identity key) and signs it as this device (§4.1 step 5).
    static func accept(pairSuccess iq: Node, credentials: SessionCredentials, identity: IdentityKeyPair) throws -> Linked {
        guard let id = iq.string("id"), let success = iq.child("pair-success"),
              let containerBytes = success.childData("device-identity"),
              let deviceJID = success.child("device")?.jid("jid") else {
            throw WhatsAppError(.pairingFailed("pair-success without device-identity or device jid"))
        }
        guard let container = try? WAAdv_ADVSignedDeviceIdentityHMAC(serializedBytes: containerBytes) else {
            throw WhatsAppError(.pairingFailed("device-identity is not an ADVSignedDeviceIdentityHMAC"))
        }
        let hosted = container.accountType == .hosted
        let macInput = (hosted ? Data([6, 5]) : Data()) + container.details
        let expected = Data(HMAC<SHA256>.authenticationCode(for: macInput, using: SymmetricKey(data: credentials.advSecretKey)))
        guard constantTimeEqual(expected, container.hmac) else {
            throw WhatsAppError(.pairingFailed("hmac-mismatch: the pairing was not made with our QR code's secret"))
        }
        guard var signed = try? WAAdv_ADVSignedDeviceIdentity(serializedBytes: container.details),
              let device = try? WAAdv_ADVDeviceIdentity(serializedBytes: signed.details),
              signed.accountSignatureKey.count == 32, signed.accountSignature.count == 64,
              let accountKey = try? PublicKey(raw: signed.accountSignatureKey) else {
            throw WhatsAppError(.pairingFailed("the signed device identity is malformed"))
        }
        let ourIdentity = identity.keyPair.publicKey.raw
        let accountPrefix = device.deviceType == .hosted ? Data([6, 5]) : Data([6, 0])
        guard XEdDSA.verify(publicKey: accountKey, message: accountPrefix + signed.details + ourIdentity, signature: signed.accountSignature) else {
            throw WhatsAppError(.pairingFailed("signature-mismatch: the account signature does not verify"))
        }
        signed.deviceSignature = identity.keyPair.sign(Data([6, 1]) + signed.details + ourIdentity + signed.accountSignatureKey)
        let account = try signed.serializedData()
        var withoutKey = signed
        withoutKey.clearAccountSignatureKey()
        let reply = Node("iq", [("to", .jid(.serverJID)), ("type", .string("result")), ("id", .string(id))], content: .nodes([
            Node("pair-device-sign", content: .nodes([
                Node("device-identity", [("key-index", .string(String(device.keyIndex)))], content: .bytes([UInt8](try withoutKey.serializedData()))),
            ])),
        ]))
        return Linked(reply: reply, deviceJID: deviceJID, lidJID: success.child("device")?.jid("lid"), account: account,
                      primaryIdentity: accountKey, platform: success.child("platform")?.string("name"))
    }

    /// The error answer to a pair-success we refuse.
    static func refusal(to iq: Node, code: Int, text: String) -> Node {
        Node("iq", [("to", .jid(.serverJID)), ("type", .string("error")), ("id", .string(iq.string("id") ?? ""))], content: .nodes([
            Node("error", [("code", .string(String(code))), ("text", .string(text))]),
        ]))
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
