import Foundation
import SignalProtocol
import WAProto

/// The ClientPayload sent inside the Noise ClientFinish (protocol brief §1.6): a registration
/// payload before linking, a login payload after.
enum ClientPayloads {
    static func common(version: WhatsAppVersion) -> WAWebProtobufsWa6_ClientPayload {
        var payload = WAWebProtobufsWa6_ClientPayload()
        var agent = WAWebProtobufsWa6_ClientPayload.UserAgent()
        agent.platform = .web
        agent.appVersion.primary = version.primary
        agent.appVersion.secondary = version.secondary
        agent.appVersion.tertiary = version.tertiary
        agent.mcc = "000"
        agent.mnc = "000"
        agent.osVersion = "0.1"
        agent.manufacturer = ""
        agent.device = "Desktop"
        agent.osBuildNumber = "0.1"
        agent.releaseChannel = .release
        agent.localeLanguageIso6391 = "en"
        agent.localeCountryIso31661Alpha2 = "ID"
        payload.userAgent = agent
        payload.webInfo.webSubPlatform = .webBrowser
        payload.connectType = .wifiUnknown
        payload.connectReason = .userActivated
        return payload
    }

    /// Before linking: our keys for the phone to certify (§4).
    static func registration(credentials: SessionCredentials, identity: IdentityKeyPair, signedPreKey: SignedPreKeyRecord,
                             version: WhatsAppVersion) throws -> Data {
        var payload = common(version: version)
        payload.passive = false
        payload.pull = false
        var props = WAWebProtobufsCompanionReg_DeviceProps()
        props.os = "Siaran"
        props.version.primary = 0
        props.version.secondary = 1
        props.version.tertiary = 0
        props.platformType = .desktop
        props.requireFullSync = false
        var data = WAWebProtobufsWa6_ClientPayload.DevicePairingRegistrationData()
        data.eRegid = bigEndian(identity.registrationId, bytes: 4)
        data.eKeytype = Data([PublicKey.typeByte])
        data.eIdent = identity.keyPair.publicKey.raw
        data.eSkeyID = bigEndian(signedPreKey.id, bytes: 3)
        data.eSkeyVal = signedPreKey.keyPair.publicKey.raw
        data.eSkeySig = signedPreKey.signature
        data.buildHash = version.buildHash
        data.deviceProps = try props.serializedData()
        payload.devicePairingData = data
        return try payload.serializedData()
    }

    /// After linking: who we are (phone number and device), passive until we say `<active/>`.
    static func login(phone: String, device: UInt16, version: WhatsAppVersion) throws -> Data {
        guard let username = UInt64(phone) else { throw WhatsAppError(.storage("the stored phone number \(phone) is not numeric")) }
        var payload = common(version: version)
        payload.username = username
        payload.device = UInt32(device)
        payload.passive = true
        payload.pull = true
        payload.lidDbMigrated = true
        payload.lc = 1
        return try payload.serializedData()
    }
}

/// `value` as `bytes` big-endian bytes (registration ids: 4, key ids: 3).
func bigEndian(_ value: UInt32, bytes: Int) -> Data {
    Data((0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) })
}

extension Data {
    /// Big-endian unsigned integer of up to 4 bytes.
    var bigEndianUInt32: UInt32 { reduce(0) { $0 << 8 | UInt32($1) } }
}
