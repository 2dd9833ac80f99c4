import Foundation
import SiaranTestSupport
import SwiftProtobuf
import Testing
import WAProto

/// Our .proto subset against whatsmeow's full definitions (the generated modules in PyPI neonize):
/// what Swift encodes, Python decodes field for field, and what Python encodes, Swift decodes.
@Suite("Protobuf layout against neonize", .serialized)
struct NeonizeProtoTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs the Python peer once over all requests (starting Python and importing neonize is the slow part).
    static func exchange(_ requests: [[String: Any]]) async throws -> [[String: Any]] {
        var text = Data()
        for request in requests { text += try JSONSerialization.data(withJSONObject: request) + Data("\n".utf8) }
        let requestLines = text
        let script = packageRoot.appendingPathComponent("Tests/WAProtoTests/Interop/neonize_proto_peer.py").path
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        let data = try await offThePool {
            let process = Process()
            process.executableURL = python
            process.arguments = [script]
            var environment = ProcessInfo.processInfo.environment
            environment["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
            process.environment = environment
            let input = Pipe.closeOnExec(), output = Pipe.closeOnExec()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(requestLines)
            try input.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        return try data.split(separator: 0x0A).map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    static func samples() throws -> [(type: String, message: any SwiftProtobuf.Message)] {
        var hello = WAWebProtobufsWa6_HandshakeMessage()
        hello.clientHello.ephemeral = Data(repeating: 0x11, count: 32)
        var finish = WAWebProtobufsWa6_HandshakeMessage()
        finish.clientFinish.static = Data(repeating: 0x22, count: 48)
        finish.clientFinish.payload = Data(repeating: 0x33, count: 100)

        var props = WAWebProtobufsCompanionReg_DeviceProps()
        props.os = "Siaran"
        props.version.primary = 0
        props.version.secondary = 1
        props.version.tertiary = 0
        props.platformType = .desktop
        props.requireFullSync = false
        props.historySyncConfig.storageQuotaMb = 10240
        props.historySyncConfig.inlineInitialPayloadInE2EeMsg = true

        var payload = WAWebProtobufsWa6_ClientPayload()
        payload.passive = false
        payload.pull = false
        payload.userAgent.platform = .web
        payload.userAgent.appVersion.primary = 2
        payload.userAgent.appVersion.secondary = 3000
        payload.userAgent.appVersion.tertiary = 1_045_649_367
        payload.userAgent.mcc = "000"
        payload.userAgent.mnc = "000"
        payload.userAgent.osVersion = "0.1"
        payload.userAgent.manufacturer = ""
        payload.userAgent.device = "Desktop"
        payload.userAgent.osBuildNumber = "0.1"
        payload.userAgent.releaseChannel = .release
        payload.userAgent.localeLanguageIso6391 = "id"
        payload.userAgent.localeCountryIso31661Alpha2 = "ID"
        payload.webInfo.webSubPlatform = .webBrowser
        payload.connectType = .wifiUnknown
        payload.connectReason = .userActivated
        payload.devicePairingData.eRegid = Data([0, 0, 0x30, 0x39])
        payload.devicePairingData.eKeytype = Data([5])
        payload.devicePairingData.eIdent = Data(repeating: 1, count: 32)
        payload.devicePairingData.eSkeyID = Data([0, 0, 1])
        payload.devicePairingData.eSkeyVal = Data(repeating: 2, count: 32)
        payload.devicePairingData.eSkeySig = Data(repeating: 3, count: 64)
        payload.devicePairingData.buildHash = Data(repeating: 4, count: 16)
        payload.devicePairingData.deviceProps = try props.serializedData()

        var login = WAWebProtobufsWa6_ClientPayload()
        login.username = 6_281_234_567_890
        login.device = 7
        login.passive = true
        login.pull = true
        login.lidDbMigrated = true
        login.lc = 1
        login.pushName = "Toko Sinar Jaya"

        var chain = WACert_CertChain()
        var details = WACert_CertChain.NoiseCertificate.Details()
        details.serial = 7
        details.issuerSerial = 0
        details.key = Data(repeating: 9, count: 32)
        details.notBefore = 1_700_000_000
        details.notAfter = 1_900_000_000
        chain.intermediate.details = try details.serializedData()
        chain.intermediate.signature = Data(repeating: 8, count: 64)
        chain.leaf.details = Data([1, 2, 3])
        chain.leaf.signature = Data(repeating: 7, count: 64)

        var identity = WAAdv_ADVDeviceIdentity()
        identity.rawID = 123_456
        identity.timestamp = 1_764_000_000
        identity.keyIndex = 3
        identity.accountType = .e2Ee
        identity.deviceType = .hosted
        var signed = WAAdv_ADVSignedDeviceIdentity()
        signed.details = try identity.serializedData()
        signed.accountSignatureKey = Data(repeating: 5, count: 32)
        signed.accountSignature = Data(repeating: 6, count: 64)
        signed.deviceSignature = Data(repeating: 7, count: 64)
        var hmac = WAAdv_ADVSignedDeviceIdentityHMAC()
        hmac.details = try signed.serializedData()
        hmac.hmac = Data(repeating: 1, count: 32)
        hmac.accountType = .hosted
        var keyIndexes = WAAdv_ADVKeyIndexList()
        keyIndexes.rawID = 42
        keyIndexes.timestamp = 1_764_000_001
        keyIndexes.currentIndex = 4
        keyIndexes.validIndexes = [0, 3, 4]

        var image = WAWebProtobufsE2E_Message()
        image.imageMessage.url = "https://mmg.whatsapp.net/o1/v/t62.7118-24/abc"
        image.imageMessage.mimetype = "image/jpeg"
        image.imageMessage.caption = "Promo *akhir pekan* ☕ diskon 50%"
        image.imageMessage.fileSha256 = Data(repeating: 0xA1, count: 32)
        image.imageMessage.fileLength = 184_321
        image.imageMessage.height = 1600
        image.imageMessage.width = 1200
        image.imageMessage.mediaKey = Data(repeating: 0xB2, count: 32)
        image.imageMessage.fileEncSha256 = Data(repeating: 0xC3, count: 32)
        image.imageMessage.directPath = "/o1/v/t62.7118-24/abc?ccb=9-4"
        image.imageMessage.mediaKeyTimestamp = 1_764_000_000
        image.imageMessage.jpegthumbnail = Data(repeating: 0xD4, count: 900)
        image.imageMessage.contextInfo.expiration = 604_800
        image.messageContextInfo.deviceListMetadata.senderKeyHash = Data(repeating: 1, count: 10)
        image.messageContextInfo.deviceListMetadata.senderTimestamp = 1_764_000_000
        image.messageContextInfo.deviceListMetadata.recipientKeyIndexes = [0, 2]
        image.messageContextInfo.deviceListMetadataVersion = 2
        image.messageContextInfo.messageSecret = Data(repeating: 0xEE, count: 32)

        var text = WAWebProtobufsE2E_Message()
        text.extendedTextMessage.text = "Halo Kak! Balas STOP untuk berhenti."
        text.extendedTextMessage.contextInfo.stanzaID = "3EB0AABBCCDDEEFF001122"
        text.extendedTextMessage.contextInfo.participant = "6281234567890@s.whatsapp.net"
        text.extendedTextMessage.contextInfo.quotedMessage.conversation = "Berapa harganya?"
        text.extendedTextMessage.contextInfo.mentionedJid = ["6281234567890@s.whatsapp.net"]

        var sent = WAWebProtobufsE2E_Message()
        sent.deviceSentMessage.destinationJid = "123456789012345@lid"
        sent.deviceSentMessage.message.conversation = "Halo!"
        sent.deviceSentMessage.phash = "2:abc"
        sent.senderKeyDistributionMessage.groupID = "120363012345678901@g.us"
        sent.senderKeyDistributionMessage.axolotlSenderKeyDistributionMessage = Data([0x33, 1, 2, 3])

        return [
            ("WAWebProtobufsWa6.HandshakeMessage", hello), ("WAWebProtobufsWa6.HandshakeMessage", finish),
            ("WAWebProtobufsWa6.ClientPayload", payload), ("WAWebProtobufsWa6.ClientPayload", login),
            ("WAWebProtobufsCompanionReg.DeviceProps", props), ("WACert.CertChain", chain),
            ("WACert.CertChain.NoiseCertificate.Details", details), ("WAAdv.ADVDeviceIdentity", identity),
            ("WAAdv.ADVSignedDeviceIdentity", signed), ("WAAdv.ADVSignedDeviceIdentityHMAC", hmac),
            ("WAAdv.ADVKeyIndexList", keyIndexes), ("WAWebProtobufsE2E.Message", image),
            ("WAWebProtobufsE2E.Message", text), ("WAWebProtobufsE2E.Message", sent),
        ]
    }

    @Test("every field Swift writes is read back identically by whatsmeow's definitions, and the reverse")
    func roundTrip() async throws {
        let samples = try Self.samples()
        let replies = try await Self.exchange(try samples.map { ["type": $0.type, "data": try $0.message.serializedData().base64EncodedString()] })
        #expect(replies.count == samples.count)
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        for (sample, reply) in zip(samples, replies) {
            #expect(reply["error"] == nil, "\(sample.type): \(reply["error"] ?? "")")
            let theirs = reply["json"] as? NSDictionary
            let ours = try JSONSerialization.jsonObject(with: Data(try sample.message.jsonString(options: options).utf8)) as? NSDictionary
            #expect(theirs == ours, "\(sample.type): Python read \(String(describing: theirs)), Swift wrote \(String(describing: ours))")
            // What whatsmeow's definitions encode, Swift decodes to the same message.
            let encoded = try #require(Data(base64Encoded: reply["data"] as? String ?? ""))
            let decoded = try type(of: sample.message).init(serializedBytes: encoded)
            #expect(decoded.isEqualTo(message: sample.message), "\(sample.type) did not survive Python's encoding")
        }
    }
}
