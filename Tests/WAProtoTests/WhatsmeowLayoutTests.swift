import Foundation
import SiaranTestSupport
import SwiftProtobuf
import Testing
import WAProto

/// Every message, field and enum value of our .proto subset against whatsmeow's definitions (the
/// generated modules in PyPI neonize): first their descriptors, then messages with every field set,
/// built by whatsmeow's classes, read by our generated Swift and handed back.
@Suite("Protobuf descriptors and every field against neonize", .serialized)
struct WhatsmeowLayoutTests {
    /// Every generated message type, nested ones included. A type missing here fails `everyField`.
    static let messageTypes: [any SwiftProtobuf.Message.Type] = [
        WAAdv_ADVDeviceIdentity.self,
        WAAdv_ADVKeyIndexList.self,
        WAAdv_ADVSignedDeviceIdentity.self,
        WAAdv_ADVSignedDeviceIdentityHMAC.self,
        WAAdv_ADVSignedKeyIndexList.self,
        WACert_CertChain.self,
        WACert_CertChain.NoiseCertificate.self,
        WACert_CertChain.NoiseCertificate.Details.self,
        WACommon_MessageKey.self,
        WAWebProtobufsCompanionReg_ClientPairingProps.self,
        WAWebProtobufsCompanionReg_DeviceProps.self,
        WAWebProtobufsCompanionReg_DeviceProps.AppVersion.self,
        WAWebProtobufsCompanionReg_DeviceProps.HistorySyncConfig.self,
        WAWebProtobufsE2E_AudioMessage.self,
        WAWebProtobufsE2E_ContextInfo.self,
        WAWebProtobufsE2E_DeviceListMetadata.self,
        WAWebProtobufsE2E_DeviceSentMessage.self,
        WAWebProtobufsE2E_DocumentMessage.self,
        WAWebProtobufsE2E_ExtendedTextMessage.self,
        WAWebProtobufsE2E_FutureProofMessage.self,
        WAWebProtobufsE2E_ImageMessage.self,
        WAWebProtobufsE2E_Message.self,
        WAWebProtobufsE2E_MessageContextInfo.self,
        WAWebProtobufsE2E_PeerDataOperationRequestMessage.self,
        WAWebProtobufsE2E_PeerDataOperationRequestMessage.PlaceholderMessageResendRequest.self,
        WAWebProtobufsE2E_ProtocolMessage.self,
        WAWebProtobufsE2E_ReactionMessage.self,
        WAWebProtobufsE2E_SenderKeyDistributionMessage.self,
        WAWebProtobufsE2E_StickerMessage.self,
        WAWebProtobufsE2E_VideoMessage.self,
        WAWebProtobufsWa6_ClientPayload.self,
        WAWebProtobufsWa6_ClientPayload.DevicePairingRegistrationData.self,
        WAWebProtobufsWa6_ClientPayload.UserAgent.self,
        WAWebProtobufsWa6_ClientPayload.UserAgent.AppVersion.self,
        WAWebProtobufsWa6_ClientPayload.WebInfo.self,
        WAWebProtobufsWa6_HandshakeMessage.self,
        WAWebProtobufsWa6_HandshakeMessage.ClientFinish.self,
        WAWebProtobufsWa6_HandshakeMessage.ClientHello.self,
        WAWebProtobufsWa6_HandshakeMessage.ServerHello.self,
    ]

    static func peer() async throws -> PythonPeer {
        let peer = try PythonPeer(script: "Tests/WAProtoTests/Interop/neonize_layout_peer.py")
        try await peer.call(["op": "load", "protos": packageRoot.appendingPathComponent("Sources/WAProto/Protos").path])
        return peer
    }

    @Test("every field's name, number, type, label, packing and presence, and every enum value, is whatsmeow's")
    func descriptors() async throws {
        let reply = try await Self.peer().call(["op": "layout"])
        let problems = reply["problems"] as? [String] ?? ["no answer"]
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // The comparison really covered our definitions (a silent empty run must fail).
        #expect(reply["messages"] as? Int == Self.messageTypes.count)
        #expect((reply["fields"] as? Int ?? 0) >= 240)
        #expect((reply["enum_values"] as? Int ?? 0) >= 100)
    }

    @Test("a message with every field set by whatsmeow's classes survives our decoder and encoder", arguments: [1, 2, 3])
    func everyField(seed: Int) async throws {
        let peer = try await Self.peer()
        let byName = Dictionary(uniqueKeysWithValues: Self.messageTypes.map { ($0.protoMessageName, $0) })
        let samples = try #require(try await peer.call(["op": "generate", "seed": seed])["samples"] as? [[String: Any]])
        #expect(samples.count == Self.messageTypes.count)
        var jsonOptions = JSONEncodingOptions()
        jsonOptions.preserveProtoFieldNames = true
        var strict = BinaryDecodingOptions()
        strict.discardUnknownFields = true
        for sample in samples {
            let name = try #require(sample["type"] as? String)
            let type = try #require(byName[name], "\(name) is not in WhatsmeowLayoutTests.messageTypes")
            let bytes = try #require(Data(base64: sample["data"]))
            // Fields we do not know would be dropped here, and then missed by Python below.
            let decoded = try type.init(serializedBytes: bytes, extensions: nil, partial: false, options: strict)
            let json = try decoded.jsonString(options: jsonOptions)
            let reencoded: Data = try decoded.serializedBytes()
            #expect(try type.init(jsonString: json).isEqualTo(message: decoded), "\(name): our JSON round trip")
            let verdict = try await peer.call([
                "op": "compare", "type": name, "expected": bytes.base64, "data": reencoded.base64,
                "json": try JSONSerialization.jsonObject(with: Data(json.utf8)),
            ])
            #expect(verdict["binary"] as? String == "", "\(name) binary: \(verdict["binary"] ?? "")")
            #expect(verdict["json"] as? String == "", "\(name) JSON: \(verdict["json"] ?? "")")
        }
    }
}
