public import Foundation
public import SignalProtocol
public import WABinary

/// A WhatsApp account the simulator plays: the primary phone (device 0), any further phone-side
/// devices (a tablet, a second phone), and the companion devices linked to it.
public struct SimulatedAccount: Sendable {
    /// Phone number in international form (`6281234567890`).
    public var phone: String
    /// The account's LID user (a number unrelated to the phone number, as on the real service).
    public var lid: String
    /// The primary phone's identity key; it signs companion device identities (ADV).
    public var accountKey: KeyPair
    public var nextDeviceId: UInt16 = 1
    /// Devices the simulator itself plays for this account besides companions (0 = the phone).
    public var phoneDevices: [UInt16]
    /// What the people behind this account do when a message arrives.
    public var behaviour: RecipientBehaviour

    public init(phone: String, lid: String? = nil, accountKey: KeyPair = .generate(), phoneDevices: [UInt16] = [0],
                behaviour: RecipientBehaviour = .init()) {
        self.phone = phone
        self.lid = lid ?? String(UInt64.random(in: 100_000_000_000_000...999_999_999_999_999))
        self.accountKey = accountKey
        self.phoneDevices = phoneDevices
        self.behaviour = behaviour
        self.nextDeviceId = (phoneDevices.max() ?? 0) + 1
    }

    public var phoneJID: JID { JID(user: phone, server: JID.Server.user) }
    public var lidJID: JID { JID(user: lid, server: JID.Server.lid) }
}

/// A scripted recipient: whether it reads what it gets, and what it answers.
public struct RecipientBehaviour: Sendable, Equatable {
    /// Send a read receipt after the delivery receipt.
    public var reads: Bool
    /// Text the primary phone sends back after the first message from a sender (e.g. "STOP").
    public var reply: String?
    /// How long the person takes to answer.
    public var replyDelayMilliseconds: Int

    public init(reads: Bool = false, reply: String? = nil, replyDelayMilliseconds: Int = 300) {
        self.reads = reads
        self.reply = reply
        self.replyDelayMilliseconds = replyDelayMilliseconds
    }
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
    /// A companion asked to link by code for this phone; the code is typed with `enterPairingCode`.
    case pairingCodeRequested(phone: String)
    case paired(phone: String, deviceId: UInt16)
    /// A linked device logged in (after the 515 restart or later).
    case loggedIn(phone: String, deviceId: UInt16)
    case preKeysUploaded(phone: String, deviceId: UInt16, count: Int)
    case becameActive(phone: String, deviceId: UInt16)
    /// A linked device unlinked itself (`remove-companion-device`, a logout).
    case companionRemoved(phone: String, deviceId: UInt16)
    case numberChecked(phone: String, registered: Bool)
    /// A `<message>` passed every check and was acknowledged.
    case messageAccepted(id: String, from: String, to: String)
    /// A `<message>` was refused; `reason` says which check failed.
    case messageRejected(id: String, reason: String)
    /// A simulated device decrypted a message.
    case decrypted(DecryptedMessage)
    case mediaUploaded(bytes: Int)
    /// A node the simulator does not handle; answered as WhatsApp would or ignored, and listed.
    case unhandled(String)
    case refused(String)
    /// A client frame whose decoded node does not encode back to the same bytes.
    case lossyDecode(String)
}

/// What one simulated device got out of one message, after decryption and every check.
public struct DecryptedMessage: Sendable, Equatable, Codable {
    public var messageId: String
    /// Phone number of the sending account.
    public var senderPhone: String
    public var senderDevice: UInt16
    public var recipientPhone: String
    public var recipientDevice: UInt16
    /// The text (conversation, extended text or caption); nil for media without caption.
    public var text: String?
    /// SHA-256 (hex) of the image after download, MAC check and decryption.
    public var imageSHA256: String?
    /// True when the device got the copy for the sender's own devices (a DeviceSentMessage).
    public var deviceSent: Bool
    public var at: Date
}
