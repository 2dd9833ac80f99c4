public import Foundation
public import SignalProtocol

/// What a linked companion device must remember besides its Signal keys (those live beside it in
/// the same folder, one file each, see `SessionFolder`). Saved as `creds.json`, mode 0600.
public struct SessionCredentials: Codable, Sendable {
    /// Our long-term Noise key; the server knows the device by it.
    public var noiseKey: KeyPair
    /// 32 random bytes shown in the QR code; the phone's pair-success is authenticated with it.
    public var advSecretKey: Data
    public var signedPreKeyId: UInt32
    /// The next one-time prekey id to generate (ids are 24-bit, from 1).
    public var nextPreKeyId: UInt32
    /// Ids below this were uploaded to the server.
    public var firstUnuploadedPreKeyId: UInt32
    /// Our device JID on the phone-number server (`62812…:3@s.whatsapp.net`) once linked.
    public var deviceJID: String?
    /// Our device JID on the LID server (`1234…:3@lid`) once linked.
    public var lidJID: String?
    /// Our `ADVSignedDeviceIdentity` (with the account signature key), sent as `<device-identity>`.
    public var account: Data?
    /// The primary phone's platform as pair-success named it (e.g. `android`).
    public var platform: String?
    public var pushName: String
    public var linkedAt: Date?
    /// Server clock minus ours, from `<success t=…>`, in seconds.
    public var serverTimeOffset: Double

    public init(noiseKey: KeyPair = .generate(), advSecretKey: Data? = nil, pushName: String = "Siaran") {
        self.noiseKey = noiseKey
        self.advSecretKey = advSecretKey ?? Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        self.signedPreKeyId = 1
        self.nextPreKeyId = 1
        self.firstUnuploadedPreKeyId = 1
        self.pushName = pushName
        self.serverTimeOffset = 0
    }

    public var isLinked: Bool { deviceJID != nil && account != nil }
}
