import Crypto
import Foundation
import SignalProtocol
import SiaranTestSupport
import Testing
import WAProto
@testable import WASocket

/// whatsmeow itself (inside neonize) connects to our Noise responder, trusting a test root key.
/// It must complete the WhatsApp-flavoured handshake and send a registration ClientPayload that
/// we can decrypt and check field by field.
@Suite("Noise against whatsmeow", .serialized)
struct WhatsmeowHandshakeTests {
    @Test("whatsmeow completes the handshake with our responder and registers", .timeLimit(.minutes(3)))
    func registrationHandshake() async throws {
        let server = try await WebSocketServer.start()
        defer { Task { await server.close() } }
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("neonize-\(UUID())")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workdir) }

        // (This peer was once stopped with SIGTERM, which whatsmeow's Go runtime ignores: it kept
        // reconnecting to the closed server long after the test run. NeonizeClient kills it.)
        let client = try NeonizeClient(port: Int(server.port), rootKey: authority.root.publicKey.raw, workdir: workdir)
        defer { client.stop() }

        var connections = server.connections.makeAsyncIterator()
        let connection = try #require(await connections.next())
        let handshake = try await NoiseSocket.acceptClient(
            over: connection, serverStatic: serverStatic,
            certificateChain: authority.chain(for: serverStatic.publicKey)
        )
        let payload = try WAWebProtobufsWa6_ClientPayload(serializedBytes: handshake.payload)

        // A registration (not yet linked): no username, passive and pull off, pairing data present.
        #expect(!payload.hasUsername)
        #expect(payload.passive == false)
        #expect(payload.userAgent.platform == .web)
        #expect(payload.userAgent.appVersion.primary == 2 && payload.userAgent.appVersion.secondary == 3000)
        #expect(payload.userAgent.appVersion.tertiary > 1_000_000_000)
        #expect(payload.connectType == .wifiUnknown)
        let pairing = payload.devicePairingData
        #expect(pairing.eRegid.count == 4)
        #expect(pairing.eKeytype == Data([5]))
        #expect(pairing.eIdent.count == 32)
        #expect(pairing.eSkeyID.count == 3)
        #expect(pairing.eSkeyVal.count == 32)
        // The signed prekey's signature verifies with our XEdDSA over 05 ‖ key.
        let identity = try PublicKey(raw: pairing.eIdent)
        #expect(XEdDSA.verify(publicKey: identity, message: Data([5]) + pairing.eSkeyVal, signature: pairing.eSkeySig))
        // buildHash = MD5 of the version string.
        let version = "2.3000.\(payload.userAgent.appVersion.tertiary)"
        #expect(pairing.buildHash == Data(Insecure.MD5.hash(data: Data(version.utf8))))
        let props = try WAWebProtobufsCompanionReg_DeviceProps(serializedBytes: pairing.deviceProps)
        #expect(props.os == "Neonize")
        #expect(handshake.clientStatic.raw.count == 32)

        // The transport works: whatsmeow answers an unknown frame without tearing the handshake down.
        await handshake.socket.close()
    }
}
