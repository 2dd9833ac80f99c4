public import Foundation

/// Our long-term identity: the key pair and the registration id peers see in PreKeyWhisperMessages.
public struct IdentityKeyPair: Sendable, Codable {
    public var keyPair: KeyPair
    /// 14-bit registration id (1…16380), as libsignal generates it.
    public var registrationId: UInt32

    public init(keyPair: KeyPair, registrationId: UInt32) {
        self.keyPair = keyPair
        self.registrationId = registrationId
    }

    public static func generate() -> IdentityKeyPair {
        IdentityKeyPair(keyPair: .generate(), registrationId: UInt32.random(in: 1...16380))
    }
}

/// A one-time prekey, used once by a peer to start a session with us.
public struct PreKeyRecord: Sendable, Codable {
    public var id: UInt32
    public var keyPair: KeyPair

    public init(id: UInt32, keyPair: KeyPair) {
        self.id = id
        self.keyPair = keyPair
    }
}

/// The signed prekey: a medium-term key signed with the identity key over `05 ‖ public`.
public struct SignedPreKeyRecord: Sendable, Codable {
    public var id: UInt32
    public var keyPair: KeyPair
    public var signature: Data
    public var createdAt: Date

    public init(id: UInt32, keyPair: KeyPair, signature: Data, createdAt: Date = Date()) {
        self.id = id
        self.keyPair = keyPair
        self.signature = signature
        self.createdAt = createdAt
    }

    /// Generates a signed prekey for an identity.
    public static func generate(id: UInt32, identity: IdentityKeyPair) -> SignedPreKeyRecord {
        let keyPair = KeyPair.generate()
        return SignedPreKeyRecord(id: id, keyPair: keyPair, signature: identity.keyPair.sign(keyPair.publicKey.serialized))
    }
}

/// What a server hands out so a peer can start a session with one device.
public struct PreKeyBundle: Sendable {
    public var registrationId: UInt32
    public var deviceId: UInt32
    public var preKeyId: UInt32?
    public var preKey: PublicKey?
    public var signedPreKeyId: UInt32
    public var signedPreKey: PublicKey
    public var signedPreKeySignature: Data
    public var identityKey: PublicKey

    public init(registrationId: UInt32, deviceId: UInt32, preKeyId: UInt32?, preKey: PublicKey?, signedPreKeyId: UInt32,
                signedPreKey: PublicKey, signedPreKeySignature: Data, identityKey: PublicKey) {
        self.registrationId = registrationId
        self.deviceId = deviceId
        self.preKeyId = preKeyId
        self.preKey = preKey
        self.signedPreKeyId = signedPreKeyId
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.identityKey = identityKey
    }
}

/// A Signal address: a user name (JID user, with `_1` for LIDs) and a device number.
public struct SignalAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var deviceId: UInt32

    public init(name: String, deviceId: UInt32) {
        self.name = name
        self.deviceId = deviceId
    }

    /// whatsmeow's `name:device` form, used as file names in the auth state.
    public var description: String { "\(name):\(deviceId)" }
}
