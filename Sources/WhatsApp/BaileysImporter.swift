public import Foundation
public import SignalProtocol
import WABinary
import WAProto

/// Imports a Baileys `useMultiFileAuthState` folder (protocol brief §11) as a Siaran session, so a
/// number already linked through a Baileys-based tool keeps working without re-linking.
///
/// Imported: the Noise key, the Signal identity, registration id, signed prekey, adv secret, our
/// JIDs (`me.id`, `me.lid`), the ADV `account`, the primary phone's identity, unused one-time
/// prekeys (`pre-key-*.json`), remote identities (`identity-key-*.json`), phone↔LID mappings
/// (`lid-mapping-*.json`) and device lists. Not imported: Baileys' Signal sessions
/// (`session-*.json`, libsignal-node's format) — the first message to each contact starts a new
/// session with a prekey message, which recipients accept; group sender keys and app-state keys
/// (Siaran sends 1:1 only). Stop the Baileys program first: two clients with one key set replace
/// each other.
public enum BaileysImporter {
    public struct Summary: Sendable, Equatable {
        public var deviceJID: String
        public var preKeys: Int
        public var identities: Int
        public var lidMappings: Int
    }

    /// Imports into a new session folder `root/name` (the file layout of SQLite installations).
    public static func importFolder(_ source: URL, as name: String, into root: URL) async throws -> Summary {
        let folder = root.appendingPathComponent(name, isDirectory: true)
        return try await importFolder(source, as: name) { identity in
            guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent("creds.json").path) else {
                throw WhatsAppError(.storage("session \(name) already exists; remove it first (`siaran sessions remove \(name)`)"))
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The Signal identity goes in first, so the store opens with it instead of making one.
            try FileSignalStore.atomicWrite(JSONEncoder().encode(identity), to: folder.appendingPathComponent("identity.json"))
            return try SessionFolder(root: root, name: name)
        }
    }

    /// Imports into the storage `open` makes for the imported Signal identity (on PostgreSQL, the
    /// database); `open` refuses a session that already has state.
    public static func importFolder(_ source: URL, as name: String,
                                    open: (IdentityKeyPair) async throws -> any SessionStorage) async throws -> Summary {
        let fm = FileManager.default
        let credsURL = source.appendingPathComponent("creds.json")
        guard let data = fm.contents(atPath: credsURL.path),
              let creds = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WhatsAppError(.storage("\(credsURL.path) is missing or not JSON"))
        }
        func fail(_ field: String) -> WhatsAppError { WhatsAppError(.storage("\(credsURL.path): '\(field)' is missing or malformed")) }
        guard let noise = creds["noiseKey"] as? [String: Any], let noisePrivate = bytes(noise["private"]),
              let identity = creds["signedIdentityKey"] as? [String: Any], let identityPrivate = bytes(identity["private"]) else {
            throw fail("noiseKey/signedIdentityKey")
        }
        guard let registrationId = (creds["registrationId"] as? NSNumber)?.uint32Value else { throw fail("registrationId") }
        guard let signed = creds["signedPreKey"] as? [String: Any], let signedPair = signed["keyPair"] as? [String: Any],
              let signedPrivate = bytes(signedPair["private"]), let signature = bytes(signed["signature"]), signature.count == 64,
              let signedID = (signed["keyId"] as? NSNumber)?.uint32Value else { throw fail("signedPreKey") }
        guard let advText = creds["advSecretKey"] as? String, let adv = Data(base64Encoded: advText), adv.count == 32 else { throw fail("advSecretKey") }
        guard let me = creds["me"] as? [String: Any], let meID = me["id"] as? String, let meJID = JID(parsing: meID), meJID.device > 0 else {
            throw fail("me.id (the folder is not linked yet)")
        }
        guard let accountObject = creds["account"] as? [String: Any], let details = bytes(accountObject["details"]),
              let accountKey = bytes(accountObject["accountSignatureKey"]), let accountSignature = bytes(accountObject["accountSignature"]),
              let deviceSignature = bytes(accountObject["deviceSignature"]) else { throw fail("account") }

        let identityPair = IdentityKeyPair(keyPair: try KeyPair(privateKey: identityPrivate), registrationId: registrationId)

        var account = WAAdv_ADVSignedDeviceIdentity()
        account.details = details
        account.accountSignatureKey = accountKey
        account.accountSignature = accountSignature
        account.deviceSignature = deviceSignature
        var credentials = SessionCredentials(noiseKey: try KeyPair(privateKey: noisePrivate), advSecretKey: adv,
                                             pushName: (me["name"] as? String) ?? "Siaran")
        credentials.signedPreKeyId = signedID
        credentials.nextPreKeyId = (creds["nextPreKeyId"] as? NSNumber)?.uint32Value ?? 1
        credentials.firstUnuploadedPreKeyId = (creds["firstUnuploadedPreKeyId"] as? NSNumber)?.uint32Value ?? credentials.nextPreKeyId
        credentials.deviceJID = meJID.description
        credentials.lidJID = (me["lid"] as? String).flatMap(JID.init(parsing:))?.description
        credentials.account = try account.serializedData()
        credentials.platform = creds["platform"] as? String
        credentials.linkedAt = Date()

        let entries = (try? fm.contentsOfDirectory(atPath: source.path)) ?? []
        let signedRecord = SignedPreKeyRecord(id: signedID, keyPair: try KeyPair(privateKey: signedPrivate), signature: signature)
        let preKeys: [PreKeyRecord] = entries.compactMap { file in
            guard file.hasPrefix("pre-key-"), file.hasSuffix(".json"), let id = UInt32(file.dropFirst(8).dropLast(5)),
                  let object = json(source.appendingPathComponent(file)) as? [String: Any], let key = bytes(object["private"]),
                  let pair = try? KeyPair(privateKey: key) else { return nil }
            return PreKeyRecord(id: id, keyPair: pair)
        }
        var identities: [(SignalAddress, PublicKey)] = []
        if let key = try? PublicKey(raw: accountKey) {
            identities.append((SignalAddress(name: meJID.user, deviceId: 0), key))
            if let lid = credentials.lidJID.flatMap(JID.init(parsing:)) { identities.append((SignalAddress(name: lid.user + "_1", deviceId: 0), key)) }
        }
        for file in entries where file.hasPrefix("identity-key-") && file.hasSuffix(".json") {
            // identity-key-<name>.<device>.json holds Buffer(33) = 05 ‖ key.
            let address = String(file.dropFirst(13).dropLast(5))
            guard let dot = address.lastIndex(of: "."), let device = UInt32(address[address.index(after: dot)...]),
                  let raw = bytes(json(source.appendingPathComponent(file))), let key = try? PublicKey(serialized: raw) else { continue }
            identities.append((SignalAddress(name: String(address[..<dot]), deviceId: device), key))
        }
        var directory = ContactDirectory()
        for file in entries where file.hasPrefix("lid-mapping-") && file.hasSuffix(".json") && !file.hasSuffix("_reverse.json") {
            let phone = String(file.dropFirst(12).dropLast(5))
            if phone.allSatisfy(\.isNumber), let lid = json(source.appendingPathComponent(file)) as? String, lid.allSatisfy(\.isNumber) {
                directory.learn(phone: phone, lid: lid)
            }
        }
        if let lid = credentials.lidJID.flatMap(JID.init(parsing:)) { directory.learn(phone: meJID.user, lid: lid.user) }
        let mappings = directory.lidByPhone.count
        let session = try await open(identityPair)
        let store = session.signalStore
        do {
            try await store.storeSignedPreKey(signedRecord)
            try await store.storePreKeys(preKeys)
            for (address, key) in identities { try await store.saveIdentity(key, for: address) }
        } catch {
            throw WhatsAppError(.storage("importing keys failed"), "\(error)")
        }
        try await session.saveContactRecords(directory.takeChanges())
        // Credentials last: a session counts as linked only once everything else is in.
        try await session.saveCredentials(credentials)
        return Summary(deviceJID: meJID.description, preKeys: preKeys.count, identities: identities.count, lidMappings: mappings)
    }

    /// Baileys' Buffer encodings (§11.3): `{type: "Buffer", data: base64 | [numbers]}`, a
    /// numeric-key object, or a plain base64 string.
    static func bytes(_ value: Any?) -> Data? {
        switch value {
        case let object as [String: Any]:
            if let data = object["data"] as? String { return Data(base64Encoded: data) }
            if let data = object["data"] as? [NSNumber] { return Data(data.map(\.uint8Value)) }
            let keys = object.keys.compactMap { Int($0) }.sorted()
            guard keys.count == object.count, keys == Array(0..<keys.count) else { return nil }
            return Data(keys.compactMap { (object[String($0)] as? NSNumber)?.uint8Value })
        case let text as String:
            return Data(base64Encoded: text)
        default:
            return nil
        }
    }

    static func json(_ url: URL) -> Any? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
}
