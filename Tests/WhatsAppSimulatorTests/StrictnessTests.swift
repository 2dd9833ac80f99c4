import Foundation
import SignalProtocol
import Testing
import WABinary
import WAProto
import WASocket
@testable import WhatsAppSimulator

/// The simulator refuses what WhatsApp would refuse, instead of accepting anything.
@Suite("Simulator strictness")
struct StrictnessTests {
    /// A companion that has not been linked yet: its keys and its registration payload.
    struct Companion {
        let noise = KeyPair.generate()
        let identity = IdentityKeyPair.generate()
        let signedPreKey: SignedPreKeyRecord
        let advSecret = Data((0..<32).map { _ in UInt8.random(in: 0...255) })

        init() { signedPreKey = .generate(id: 1, identity: identity) }

        func registrationPayload(signature: Data? = nil) throws -> Data {
            var payload = WAWebProtobufsWa6_ClientPayload()
            payload.passive = false
            payload.userAgent.platform = .web
            payload.devicePairingData.eRegid = Data([0, 0, 0, 42])
            payload.devicePairingData.eKeytype = Data([5])
            payload.devicePairingData.eIdent = identity.keyPair.publicKey.raw
            payload.devicePairingData.eSkeyID = Data([0, 0, 1])
            payload.devicePairingData.eSkeyVal = signedPreKey.keyPair.publicKey.raw
            payload.devicePairingData.eSkeySig = signature ?? signedPreKey.signature
            return try payload.serializedData()
        }

        func connect(to simulator: WhatsAppSimulator, payload: Data) async throws -> NoiseSocket {
            let connection = try await WebSocketClient.connect(to: simulator.url)
            return try await NoiseSocket.connectAsClient(over: connection, noiseKey: noise, payload: payload,
                                                        verifier: CertificateChainVerifier(rootKey: simulator.rootKey))
        }

        func qr(ref: String) -> String {
            "https://wa.me/settings/linked_devices#\(ref),\(noise.publicKey.raw.base64EncodedString()),\(identity.keyPair.publicKey.raw.base64EncodedString()),\(advSecret.base64EncodedString()),9"
        }
    }

    static func nextEvent(_ simulator: WhatsAppSimulator) async -> SimulatorEvent? {
        var iterator = simulator.events.makeAsyncIterator()
        return await iterator.next()
    }

    @Test("a registration whose signed prekey signature is wrong is refused", .timeLimit(.minutes(3)))
    func badSignedPreKey() async throws {
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: "6281234567890")])
        let companion = Companion()
        var bad = companion.signedPreKey.signature
        bad[0] ^= 1
        let socket = try await companion.connect(to: simulator, payload: try companion.registrationPayload(signature: bad))
        let event = await Self.nextEvent(simulator)
        guard case .refused(let reason)? = event else { Issue.record("expected a refusal, got \(String(describing: event))"); return }
        #expect(reason.contains("signed prekey signature"))
        #expect(try await socket.receive() == nil, "the connection is closed")
        await simulator.stop()
    }

    @Test("a QR code whose keys are not the connection's is refused", .timeLimit(.minutes(3)))
    func wrongQRKeys() async throws {
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: "6281234567890")])
        let companion = Companion()
        let socket = try await companion.connect(to: simulator, payload: try companion.registrationPayload())
        guard case .pairingStarted(let refs)? = await Self.nextEvent(simulator) else { Issue.record("no pairing"); return }
        let impostor = Companion()
        await #expect(throws: SimulatorError.self) { try await simulator.scanQR(impostor.qr(ref: refs[0]), phone: "6281234567890") }
        await #expect(throws: SimulatorError.self) { try await simulator.scanQR("https://example.com/#x", phone: "6281234567890") }
        await #expect(throws: SimulatorError.self) { try await simulator.scanQR(companion.qr(ref: "2@unknown"), phone: "6281234567890") }
        _ = socket
        await simulator.stop()
    }

    @Test("a login from a device that was never linked gets failure 401", .timeLimit(.minutes(3)))
    func unknownLogin() async throws {
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: "6281234567890")])
        var payload = WAWebProtobufsWa6_ClientPayload()
        payload.username = 6_281_234_567_890
        payload.device = 3
        payload.passive = true
        payload.pull = true
        let socket = try await Companion().connect(to: simulator, payload: try payload.serializedData())
        let frame = try #require(try await socket.receive())
        let node = try BinaryDecoder().decodeFrame([UInt8](frame))
        #expect(node.tag == "failure")
        #expect(node.string("reason") == "401")
        await simulator.stop()
    }

    @Test("a client that does not trust the simulator's root refuses it")
    func clientChecksRoot() async throws {
        let simulator = try await WhatsAppSimulator.start(accounts: [])
        let connection = try await WebSocketClient.connect(to: simulator.url)
        await #expect(throws: NoiseError.self) {
            try await NoiseSocket.connectAsClient(over: connection, noiseKey: .generate(), payload: Data(), verifier: CertificateChainVerifier())
        }
        await simulator.stop()
    }
}
