public import Foundation
public import SignalProtocol
public import WABinary

/// A WhatsApp account the simulator plays: the primary phone (device 0) and the companion devices
/// linked to it.
public struct SimulatedAccount: Sendable {
    /// Phone number in international form (`6281234567890`).
    public var phone: String
    /// The account's LID user (a number unrelated to the phone number, as on the real service).
    public var lid: String
    /// The primary phone's identity key; it signs companion device identities (ADV).
    public var accountKey: KeyPair
    public var nextDeviceId: UInt16 = 1

    public init(phone: String, lid: String? = nil, accountKey: KeyPair = .generate()) {
        self.phone = phone
        self.lid = lid ?? String(UInt64.random(in: 100_000_000_000_000...999_999_999_999_999))
        self.accountKey = accountKey
    }

    public var phoneJID: JID { JID(user: phone, server: JID.Server.user) }
    public var lidJID: JID { JID(user: lid, server: JID.Server.lid) }
}

/// A companion device linked to a simulated account (what whatsmeow or Siaran becomes after pairing).
public struct LinkedCompanion: Sendable {
    public var phone: String
    public var deviceId: UInt16
    public var noiseKey: PublicKey
    public var identityKey: PublicKey
    public var registrationId: UInt32
    public var signedPreKeyId: UInt32
    public var signedPreKey: PublicKey
    public var signedPreKeySignature: Data
    /// Uploaded one-time prekeys by id, consumed as bundles are handed out.
    public var preKeys: [UInt32: PublicKey] = [:]
    public var keyIndex: UInt32
}

/// What the simulator observed, in order, for tests and the JSONL log.
public enum SimulatorEvent: Sendable, Equatable {
    /// A registration connection is waiting to be linked; the QR codes it will show carry these refs.
    case pairingStarted(refs: [String])
    case paired(phone: String, deviceId: UInt16)
    /// A linked device logged in (after the 515 restart or later).
    case loggedIn(phone: String, deviceId: UInt16)
    case preKeysUploaded(phone: String, deviceId: UInt16, count: Int)
    case becameActive(phone: String, deviceId: UInt16)
    /// A node the simulator does not handle; answered as WhatsApp would or ignored, and listed.
    case unhandled(String)
    case refused(String)
    /// A client frame whose decoded node does not encode back to the same bytes.
    case lossyDecode(String)
}
