import Foundation
import SiaranTestSupport
import SignalProtocol
import Testing
import Transport
import WAProto
@testable import WhatsApp
import WhatsAppSimulator

/// A Baileys auth folder (written here in Baileys' own JSON encodings from a linked session)
/// becomes a Siaran session that logs in and sends without re-linking.
@Suite("Importing a Baileys auth folder", .serialized)
struct BaileysImportTests {
    static func buffer(_ data: Data, asNumbers: Bool = false) -> [String: Any] {
        asNumbers ? ["type": "Buffer", "data": data.map { Int($0) }] : ["type": "Buffer", "data": data.base64EncodedString()]
    }

    @Test("creds.json, pre-key files and lid mappings import; the session logs in and sends", .timeLimit(.minutes(3)))
    func importAndSend() async throws {
        let sender = "6281100000001", recipient = "6281200000002"
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: sender), SimulatedAccount(phone: recipient)])
        let original = try await harness.linkedSession(phone: sender, name: "lama")
        let credentials = await original.credentials
        let store = original.storage.signalStore
        let identity = try await store.identityKeyPair()
        let signed = try #require(try await store.signedPreKey(id: credentials.signedPreKeyId))
        await original.stop()

        // Write the folder the way Baileys' useMultiFileAuthState does.
        let baileys = harness.root.appendingPathComponent("baileys-auth")
        try FileManager.default.createDirectory(at: baileys, withIntermediateDirectories: true)
        let account = try WAAdv_ADVSignedDeviceIdentity(serializedBytes: try #require(credentials.account))
        let creds: [String: Any] = [
            "noiseKey": ["private": Self.buffer(credentials.noiseKey.privateKeyBytes, asNumbers: true), "public": Self.buffer(credentials.noiseKey.publicKey.raw)],
            "signedIdentityKey": ["private": Self.buffer(identity.keyPair.privateKeyBytes), "public": Self.buffer(identity.keyPair.publicKey.raw)],
            "signedPreKey": ["keyPair": ["private": Self.buffer(signed.keyPair.privateKeyBytes), "public": Self.buffer(signed.keyPair.publicKey.raw)],
                             "signature": Self.buffer(signed.signature), "keyId": signed.id],
            "registrationId": identity.registrationId,
            "advSecretKey": credentials.advSecretKey.base64EncodedString(),
            "me": ["id": try #require(credentials.deviceJID), "lid": try #require(credentials.lidJID), "name": "Toko"],
            "account": ["details": Self.buffer(account.details), "accountSignatureKey": Self.buffer(account.accountSignatureKey),
                        "accountSignature": Self.buffer(account.accountSignature), "deviceSignature": Self.buffer(account.deviceSignature)],
            "nextPreKeyId": credentials.nextPreKeyId, "firstUnuploadedPreKeyId": credentials.firstUnuploadedPreKeyId,
            "platform": "android", "registered": true,
        ]
        try JSONSerialization.data(withJSONObject: creds).write(to: baileys.appendingPathComponent("creds.json"))
        let files = try FileManager.default.contentsOfDirectory(atPath: try #require(original.storage.folder).path).filter { $0.hasPrefix("pre-key-") }
        for file in files {
            let record = try JSONDecoder().decode(PreKeyRecord.self, from: Data(contentsOf: try #require(original.storage.folder).appendingPathComponent(file)))
            let json: [String: Any] = ["private": Self.buffer(record.keyPair.privateKeyBytes), "public": Self.buffer(record.keyPair.publicKey.raw)]
            try JSONSerialization.data(withJSONObject: json).write(to: baileys.appendingPathComponent("pre-key-\(record.id).json"))
        }
        try JSONSerialization.data(withJSONObject: "123456789012345", options: .fragmentsAllowed)
            .write(to: baileys.appendingPathComponent("lid-mapping-6281299999999.json"))

        let summary = try await BaileysImporter.importFolder(baileys, as: "utama", into: harness.root)
        #expect(summary.deviceJID == credentials.deviceJID)
        #expect(summary.preKeys == files.count)
        #expect(summary.lidMappings >= 2)
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.root.appendingPathComponent("utama/creds.json").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let imported = try await harness.session("utama")
        await imported.start()
        #expect(await imported.waitUntilConnected(timeout: .seconds(60)))
        let id = SessionHarness.messageID()
        guard case .sent = await imported.send(OutgoingMessage(id: id, phone: recipient, text: "dari Baileys", session: "utama", campaignId: "c")) else {
            Issue.record("not sent"); return
        }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.messageId == id && $0.recipientPhone == recipient } })
        // A second import under the same name is refused, nothing overwritten.
        await #expect(throws: WhatsAppError.self) { try await BaileysImporter.importFolder(baileys, as: "utama", into: harness.root) }
        await harness.close(imported)
    }

    @Test("a folder that is not linked, or not Baileys', is refused with the file and field")
    func refusals() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("baileys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        await #expect(throws: WhatsAppError.self) { try await BaileysImporter.importFolder(root.appendingPathComponent("src"), as: "x", into: root) }
        try Data("{\"noiseKey\": 1}".utf8).write(to: root.appendingPathComponent("src/creds.json"))
        do {
            _ = try await BaileysImporter.importFolder(root.appendingPathComponent("src"), as: "x", into: root)
            Issue.record("a malformed creds.json was accepted")
        } catch let error as WhatsAppError {
            #expect(error.description.contains("creds.json") && error.description.contains("noiseKey"))
        }
    }
}
