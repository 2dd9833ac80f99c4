import Foundation
import SiaranTestSupport
import Testing
@testable import SignalProtocol

/// Siaran's Signal code against python-axolotl, an independent port of libsignal.
@Suite("Interop with python-axolotl", .serialized)
struct AxolotlInteropTests {
    /// Swift's side of a conversation with the Python peer, addressed as ("python", 1).
    struct SwiftSide {
        let store = InMemorySignalStore()
        var cipher: SessionCipher { SessionCipher(store: store, address: SignalAddress(name: "python", deviceId: 1)) }

        func bundle(preKeyId: UInt32 = 11) async -> [String: Any] {
            let identity = await store.identityKeyPair()
            let preKey = PreKeyRecord(id: preKeyId, keyPair: .generate())
            let signed = SignedPreKeyRecord.generate(id: 3, identity: identity)
            await store.storePreKey(preKey)
            await store.storeSignedPreKey(signed)
            return ["op": "process_bundle", "registration_id": identity.registrationId, "device_id": 1,
                    "pre_key_id": preKey.id, "pre_key": preKey.keyPair.publicKey.serialized.base64,
                    "signed_pre_key_id": signed.id, "signed_pre_key": signed.keyPair.publicKey.serialized.base64,
                    "signature": signed.signature.base64, "identity_key": identity.keyPair.publicKey.serialized.base64]
        }

        func decrypt(_ reply: [String: Any]) async throws -> Data {
            let data = try #require(Data(base64: reply["data"]))
            return reply["type"] as? String == "pkmsg" ? try await cipher.decrypt(preKey: data).plaintext : try await cipher.decrypt(whisper: data)
        }
    }

    static func pythonBundle(_ peer: PythonPeer, oneTime: Bool) async throws -> PreKeyBundle {
        let b = try await peer.call(["op": "bundle", "one_time": oneTime])
        return PreKeyBundle(
            registrationId: UInt32(b["registration_id"] as! Int), deviceId: 1,
            preKeyId: (b["pre_key_id"] as? Int).map(UInt32.init), preKey: try Data(base64: b["pre_key"]).map { try PublicKey(serialized: $0) },
            signedPreKeyId: UInt32(b["signed_pre_key_id"] as! Int), signedPreKey: try PublicKey(serialized: Data(base64: b["signed_pre_key"])!),
            signedPreKeySignature: Data(base64: b["signature"])!, identityKey: try PublicKey(serialized: Data(base64: b["identity_key"])!)
        )
    }

    func send(_ swift: SwiftSide, _ peer: PythonPeer, _ text: String) async throws -> [String: Any] {
        let message = try await swift.cipher.encrypt(Data(text.utf8))
        return ["op": "decrypt", "type": message.kind.rawValue, "data": message.serialized.base64]
    }

    @Test("Swift starts from an axolotl bundle; 100 messages both ways with reordering and a drop", arguments: [true, false])
    func swiftInitiates(oneTime: Bool) async throws {
        let peer = try PythonPeer(script: "Tests/SignalProtocolTests/Interop/axolotl_peer.py")
        let swift = SwiftSide()
        try await swift.cipher.processBundle(try Self.pythonBundle(peer, oneTime: oneTime))
        let first = try await send(swift, peer, "Halo dari Swift")
        #expect(Data(base64: try await peer.call(first)["plaintext"]) == Data("Halo dari Swift".utf8))
        let reply = try await peer.call(["op": "encrypt", "plaintext": Data("Halo dari Python".utf8).base64])
        #expect(try await swift.decrypt(reply) == Data("Halo dari Python".utf8))
        try await exchange(swift, peer)
    }

    @Test("axolotl starts from a Swift bundle; then 100 messages both ways")
    func pythonInitiates() async throws {
        let peer = try PythonPeer(script: "Tests/SignalProtocolTests/Interop/axolotl_peer.py")
        let swift = SwiftSide()
        try await peer.call(await swift.bundle())
        let first = try await peer.call(["op": "encrypt", "plaintext": Data("pkmsg dari Python".utf8).base64])
        #expect(first["type"] as? String == "pkmsg")
        #expect(try await swift.decrypt(first) == Data("pkmsg dari Python".utf8))
        let answer = try await send(swift, peer, "balasan Swift")
        #expect(answer["type"] as? String == "msg")
        #expect(Data(base64: try await peer.call(answer)["plaintext"]) == Data("balasan Swift".utf8))
        try await exchange(swift, peer)
    }

    /// 100 messages in each direction, in rounds that switch direction (so the ratchet turns),
    /// delivered out of order, with one message per round never delivered.
    func exchange(_ swift: SwiftSide, _ peer: PythonPeer) async throws {
        var random = SystemRandomNumberGenerator()
        for round in 0..<10 {
            var toPython: [(String, [String: Any])] = []
            for i in 0..<10 { let text = "s\(round)-\(i)"; toPython.append((text, try await send(swift, peer, text))) }
            toPython.shuffle(using: &random)
            for (text, command) in toPython.dropFirst() {
                #expect(Data(base64: try await peer.call(command)["plaintext"]) == Data(text.utf8), "\(text)")
            }
            var toSwift: [(String, [String: Any])] = []
            for i in 0..<10 {
                let text = "p\(round)-\(i)"
                toSwift.append((text, try await peer.call(["op": "encrypt", "plaintext": Data(text.utf8).base64])))
            }
            toSwift.shuffle(using: &random)
            for (text, reply) in toSwift.dropFirst() {
                #expect(try await swift.decrypt(reply) == Data(text.utf8), "\(text)")
            }
        }
    }

    @Test("signatures cross-verify with libsignal's curve25519; a flipped bit fails")
    func signatures() async throws {
        let peer = try PythonPeer(script: "Tests/SignalProtocolTests/Interop/axolotl_peer.py")
        let message = Data("05 signed prekey bytes".utf8)
        let signed = try await peer.call(["op": "sign", "message": message.base64])
        let pythonKey = try PublicKey(serialized: Data(base64: signed["public_key"])!)
        let pythonSignature = Data(base64: signed["signature"])!
        #expect(XEdDSA.verify(publicKey: pythonKey, message: message, signature: pythonSignature))
        var flipped = pythonSignature
        flipped[10] ^= 0x04
        #expect(!XEdDSA.verify(publicKey: pythonKey, message: message, signature: flipped))

        for _ in 0..<20 {
            let pair = KeyPair.generate()
            let text = Data((0..<Int.random(in: 1...200)).map { _ in UInt8.random(in: 0...255) })
            let signature = pair.sign(text)
            let verdict = try await peer.call(["op": "verify", "public_key": pair.publicKey.serialized.base64, "message": text.base64, "signature": signature.base64])
            #expect(verdict["valid"] as? Bool == true)
            var bad = signature
            bad[Int.random(in: 0..<64)] ^= 0x01
            let refused = try await peer.call(["op": "verify", "public_key": pair.publicKey.serialized.base64, "message": text.base64, "signature": bad.base64])
            #expect(refused["valid"] as? Bool == false)
        }
    }
}
