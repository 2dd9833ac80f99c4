public import Foundation
import SwiftProtobuf

/// A Signal v3 message on an established session (`enc type="msg"`):
/// `0x33 ‖ protobuf(SignalMessage) ‖ MAC[0..<8]`.
public struct WhisperMessage: Sendable {
    public static let currentVersion: UInt8 = 3
    static let versionByte: UInt8 = (currentVersion << 4) | currentVersion
    static let macLength = 8

    public var ratchetKey: PublicKey
    public var counter: UInt32
    public var previousCounter: UInt32
    public var ciphertext: Data
    /// The complete wire form.
    public var serialized: Data

    /// Builds and MACs a message.
    init(ratchetKey: PublicKey, counter: UInt32, previousCounter: UInt32, ciphertext: Data,
         macKey: Data, senderIdentity: PublicKey, receiverIdentity: PublicKey) {
        var body = Textsecure_SignalMessage()
        body.ratchetKey = ratchetKey.serialized
        body.counter = counter
        body.previousCounter = previousCounter
        body.ciphertext = ciphertext
        let serializedBody = Data([Self.versionByte]) + (try! body.serializedData())
        let mac = Self.mac(serializedBody, macKey: macKey, sender: senderIdentity, receiver: receiverIdentity)
        self.ratchetKey = ratchetKey
        self.counter = counter
        self.previousCounter = previousCounter
        self.ciphertext = ciphertext
        self.serialized = serializedBody + mac
    }

    /// Parses a received message; the MAC is checked later, once the session's keys are known.
    public init(serialized data: Data) throws(SignalError) {
        guard data.count > 1 + Self.macLength else { throw SignalError(.invalidMessage, "message too short") }
        try Self.checkVersion(data[data.startIndex])
        let body: Textsecure_SignalMessage
        do {
            body = try Textsecure_SignalMessage(serializedBytes: data.dropFirst().dropLast(Self.macLength))
        } catch {
            throw SignalError(.invalidMessage, "the message body is not a SignalMessage")
        }
        guard body.hasRatchetKey, body.hasCounter, body.hasCiphertext else {
            throw SignalError(.invalidMessage, "the message lacks a ratchet key, counter or ciphertext")
        }
        self.ratchetKey = try PublicKey(serialized: body.ratchetKey)
        self.counter = body.counter
        self.previousCounter = body.previousCounter
        self.ciphertext = body.ciphertext
        self.serialized = Data(data)
    }

    /// Checks the MAC over the exact received bytes, in constant time.
    func verifyMAC(macKey: Data, sender: PublicKey, receiver: PublicKey) -> Bool {
        let expected = Self.mac(serialized.dropLast(Self.macLength), macKey: macKey, sender: sender, receiver: receiver)
        let received = serialized.suffix(Self.macLength)
        return zip(expected, received).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0 && received.count == expected.count
    }

    static func mac(_ body: Data, macKey: Data, sender: PublicKey, receiver: PublicKey) -> Data {
        KeyDerivation.hmac(macKey, sender.serialized + receiver.serialized + body).prefix(macLength)
    }

    static func checkVersion(_ byte: UInt8) throws(SignalError) {
        // libsignal-node refuses a high nibble below 3 and a low nibble above 3.
        guard byte >> 4 == currentVersion, byte & 0x0F <= currentVersion else {
            throw SignalError(.unsupportedVersion(byte >> 4), "unsupported message version byte 0x\(String(byte, radix: 16))")
        }
    }
}

/// The first messages of a session we started (`enc type="pkmsg"`): `0x33 ‖ protobuf(PreKeySignalMessage)`.
public struct PreKeyWhisperMessage: Sendable {
    public var registrationId: UInt32
    public var preKeyId: UInt32?
    public var signedPreKeyId: UInt32
    public var baseKey: PublicKey
    public var identityKey: PublicKey
    public var message: WhisperMessage
    public var serialized: Data

    init(registrationId: UInt32, preKeyId: UInt32?, signedPreKeyId: UInt32, baseKey: PublicKey, identityKey: PublicKey, message: WhisperMessage) {
        var body = Textsecure_PreKeySignalMessage()
        body.registrationID = registrationId
        if let preKeyId { body.preKeyID = preKeyId }
        body.signedPreKeyID = signedPreKeyId
        body.baseKey = baseKey.serialized
        body.identityKey = identityKey.serialized
        body.message = message.serialized
        self.registrationId = registrationId
        self.preKeyId = preKeyId
        self.signedPreKeyId = signedPreKeyId
        self.baseKey = baseKey
        self.identityKey = identityKey
        self.message = message
        self.serialized = Data([WhisperMessage.versionByte]) + (try! body.serializedData())
    }

    public init(serialized data: Data) throws(SignalError) {
        guard data.count > 1 else { throw SignalError(.invalidMessage, "message too short") }
        try WhisperMessage.checkVersion(data[data.startIndex])
        let body: Textsecure_PreKeySignalMessage
        do {
            body = try Textsecure_PreKeySignalMessage(serializedBytes: data.dropFirst())
        } catch {
            throw SignalError(.invalidMessage, "the message body is not a PreKeySignalMessage")
        }
        guard body.hasBaseKey, body.hasIdentityKey, body.hasMessage, body.hasSignedPreKeyID else {
            throw SignalError(.invalidMessage, "the prekey message lacks a base key, identity key, signed prekey id or message")
        }
        self.registrationId = body.registrationID
        self.preKeyId = body.hasPreKeyID ? body.preKeyID : nil
        self.signedPreKeyId = body.signedPreKeyID
        self.baseKey = try PublicKey(serialized: body.baseKey)
        self.identityKey = try PublicKey(serialized: body.identityKey)
        self.message = try WhisperMessage(serialized: body.message)
        self.serialized = Data(data)
    }
}
