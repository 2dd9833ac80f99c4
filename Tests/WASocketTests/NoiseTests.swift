import Foundation
import SignalProtocol
import SiaranTestSupport
import Testing
import WAProto
@testable import WASocket

@Suite("Noise handshake and transport")
struct NoiseTests {
    static let prologue = FrameCodec.connectionHeader

    @Test("the WhatsApp flavour completes between our initiator and responder, and the transport works both ways")
    func whatsappFlavour() throws {
        let clientStatic = KeyPair.generate(), serverStatic = KeyPair.generate()
        var client = NoiseHandshake(role: .initiator, prologue: Self.prologue, staticKey: clientStatic)
        var server = NoiseHandshake(role: .responder, prologue: Self.prologue, staticKey: serverStatic)
        let m1 = try client.writeMessage1()
        try server.readMessage1(ephemeral: m1.ephemeral)
        let m2 = try server.writeMessage2(payload: Data("certificates".utf8))
        #expect(try client.readMessage2(ephemeral: m2.ephemeral, encryptedStatic: m2.encryptedStatic, payload: m2.payload) == Data("certificates".utf8))
        #expect(client.remoteStatic == serverStatic.publicKey)
        let m3 = try client.writeMessage3(payload: Data("client payload".utf8))
        #expect(try server.readMessage3(encryptedStatic: m3.encryptedStatic, payload: m3.payload) == Data("client payload".utf8))
        #expect(server.remoteStatic == clientStatic.publicKey)
        #expect(client.hash == server.hash)
        var clientTransport = try client.split(), serverTransport = try server.split()
        for i in 0..<5 {
            #expect(try serverTransport.decrypt(try clientTransport.encrypt(Data("c\(i)".utf8))) == Data("c\(i)".utf8))
            #expect(try clientTransport.decrypt(try serverTransport.encrypt(Data("s\(i)".utf8))) == Data("s\(i)".utf8))
        }
    }

    @Test("the two flavours differ only in hashing the first payload")
    func flavoursDiffer() throws {
        let clientStatic = KeyPair.generate(), serverStatic = KeyPair.generate()
        var client = NoiseHandshake(role: .initiator, flavour: .standard, prologue: Self.prologue, staticKey: clientStatic)
        var server = NoiseHandshake(role: .responder, flavour: .whatsapp, prologue: Self.prologue, staticKey: serverStatic)
        let m1 = try client.writeMessage1()
        try server.readMessage1(ephemeral: m1.ephemeral)
        let m2 = try server.writeMessage2(payload: Data())
        #expect(throws: NoiseError(.decryptFailed)) {
            try client.readMessage2(ephemeral: m2.ephemeral, encryptedStatic: m2.encryptedStatic, payload: m2.payload)
        }
    }

    @Test("a tampered handshake message or transport frame is refused")
    func tampering() throws {
        var client = NoiseHandshake(role: .initiator, prologue: Self.prologue, staticKey: .generate())
        var server = NoiseHandshake(role: .responder, prologue: Self.prologue, staticKey: .generate())
        try server.readMessage1(ephemeral: try client.writeMessage1().ephemeral)
        var m2 = try server.writeMessage2(payload: Data("x".utf8))
        m2.encryptedStatic[3] ^= 1
        #expect(throws: NoiseError(.decryptFailed)) {
            try client.readMessage2(ephemeral: m2.ephemeral, encryptedStatic: m2.encryptedStatic, payload: m2.payload)
        }
        #expect(throws: NoiseError.self) { try client.split() }
    }

    @Test("textbook Noise XX against python noiseprotocol, in both roles", arguments: [NoiseHandshake.Role.initiator, .responder])
    func againstNoiseProtocol(swiftRole: NoiseHandshake.Role) async throws {
        let peer = try PythonPeer(script: "Tests/WASocketTests/Interop/noise_peer.py")
        let ours = KeyPair.generate(), theirs = KeyPair.generate()
        try await peer.call(["op": "start", "role": swiftRole == .initiator ? "responder" : "initiator",
                       "static_private": theirs.privateKeyBytes.base64, "prologue": Self.prologue.base64])
        var swift = NoiseHandshake(role: swiftRole, flavour: .standard, prologue: Self.prologue, staticKey: ours)
        if swiftRole == .initiator {
            let m1 = try swift.writeMessage1(payload: Data("one".utf8))
            #expect(Data(base64: try await peer.call(["op": "read", "message": (m1.ephemeral + m1.payload).base64])["payload"]) == Data("one".utf8))
            let m2 = try #require(Data(base64: try await peer.call(["op": "write", "payload": Data("two".utf8).base64])["message"]))
            #expect(try swift.readMessage2(ephemeral: m2.prefix(32), encryptedStatic: m2.dropFirst(32).prefix(48), payload: m2.dropFirst(80)) == Data("two".utf8))
            let m3 = try swift.writeMessage3(payload: Data("three".utf8))
            #expect(Data(base64: try await peer.call(["op": "read", "message": (m3.encryptedStatic + m3.payload).base64])["payload"]) == Data("three".utf8))
        } else {
            let m1 = try #require(Data(base64: try await peer.call(["op": "write", "payload": Data("one".utf8).base64])["message"]))
            try swift.readMessage1(ephemeral: m1.prefix(32), payload: m1.dropFirst(32))
            let m2 = try swift.writeMessage2(payload: Data("two".utf8))
            #expect(Data(base64: try await peer.call(["op": "read", "message": (m2.ephemeral + m2.encryptedStatic + m2.payload).base64])["payload"]) == Data("two".utf8))
            let m3 = try #require(Data(base64: try await peer.call(["op": "write", "payload": Data("three".utf8).base64])["message"]))
            #expect(try swift.readMessage3(encryptedStatic: m3.prefix(48), payload: m3.dropFirst(48)) == Data("three".utf8))
        }
        let state = try await peer.call(["op": "state"])
        #expect(state["finished"] as? Bool == true)
        #expect(Data(base64: state["remote_static"]) == ours.publicKey.raw)
        #expect(swift.remoteStatic == theirs.publicKey)
        var transport = try swift.split()
        for i in 0..<20 {
            let text = Data("frame \(i) dari Swift".utf8)
            #expect(Data(base64: try await peer.call(["op": "decrypt", "data": try transport.encrypt(text).base64])["data"]) == text)
            let back = Data("frame \(i) dari Python".utf8)
            let sealed = try #require(Data(base64: try await peer.call(["op": "encrypt", "data": back.base64])["data"]))
            #expect(try transport.decrypt(sealed) == back)
        }
    }

    @Test("frames are split and reassembled across arbitrary chunks; the header is checked")
    func framing() throws {
        let payloads = [Data("a".utf8), Data(repeating: 7, count: 70_000), Data(), Data("zz".utf8)]
        var stream = try FrameCodec.encode(payloads[0], withHeader: true)
        for payload in payloads.dropFirst() { stream += try FrameCodec.encode(payload) }
        var codec = FrameCodec(expectsHeader: true)
        var frames: [Data] = []
        var index = stream.startIndex
        while index < stream.endIndex {
            let end = min(stream.endIndex, index + Int.random(in: 1...5000))
            frames += try codec.append(stream[index..<end])
            index = end
        }
        #expect(frames == payloads)
        var bad = FrameCodec(expectsHeader: true)
        #expect(throws: NoiseError.self) { try bad.append(Data([0x57, 0x41, 0x05, 0x03, 0, 0, 1, 1])) }
        #expect(throws: NoiseError(.frameTooLarge(1 << 24))) { try FrameCodec.encode(Data(count: 1 << 24)) }
    }
}

@Suite("Server certificate chain")
struct CertificateChainTests {
    let authority = CertificateAuthority()
    let serverStatic = KeyPair.generate()

    @Test("a chain from our root for the server's key verifies")
    func valid() throws {
        let verifier = CertificateChainVerifier(rootKey: authority.root.publicKey)
        try verifier.verify(authority.chain(for: serverStatic.publicKey), serverStatic: serverStatic.publicKey)
    }

    @Test("every broken link is refused with its reason")
    func refused() throws {
        let chain = authority.chain(for: serverStatic.publicKey)
        // Another root (WhatsApp's own) does not accept our test chain.
        #expect(throws: NoiseError.self) { try CertificateChainVerifier().verify(chain, serverStatic: serverStatic.publicKey) }
        let verifier = CertificateChainVerifier(rootKey: authority.root.publicKey)
        // The chain is for another server key.
        #expect(throws: NoiseError.self) { try verifier.verify(chain, serverStatic: KeyPair.generate().publicKey) }
        // Expired.
        #expect(throws: NoiseError.self) {
            try verifier.verify(chain, serverStatic: serverStatic.publicKey, now: Date().addingTimeInterval(86_400 * 400))
        }
        // A flipped bit anywhere in the chain.
        for position in stride(from: 0, to: chain.count, by: 7) {
            var bad = chain
            bad[position] ^= 0x10
            #expect(throws: NoiseError.self, "byte \(position)") { try verifier.verify(bad, serverStatic: serverStatic.publicKey) }
        }
        #expect(throws: NoiseError.self) { try verifier.verify(Data("garbage".utf8), serverStatic: serverStatic.publicKey) }
    }

    @Test("WhatsApp's root key is the one in the protocol brief")
    func rootKey() {
        #expect(CertificateChainVerifier.whatsAppRootKey.raw.map { String(format: "%02x", $0) }.joined()
            == "142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b")
    }
}

/// Each of whatsmeow's eight checks (protocol brief §1.4) on its own, with the reason it gives.
@Suite("Certificate chain checks one by one")
struct CertificateChainCheckTests {
    let root = KeyPair.generate()
    let intermediate = KeyPair.generate()
    let serverStatic = KeyPair.generate()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Parts {
        var intermediate = WACert_CertChain.NoiseCertificate.Details()
        var leaf = WACert_CertChain.NoiseCertificate.Details()
        var intermediateSignature: Data?
        var leafSignature: Data?
    }

    func validParts() -> Parts {
        var parts = Parts()
        parts.intermediate.serial = 5
        parts.intermediate.issuerSerial = 0
        parts.intermediate.key = intermediate.publicKey.raw
        parts.intermediate.notBefore = 1_700_000_000
        parts.intermediate.notAfter = 1_900_000_000
        parts.leaf.serial = 6
        parts.leaf.issuerSerial = 5
        parts.leaf.key = serverStatic.publicKey.raw
        parts.leaf.notBefore = 1_700_000_000
        parts.leaf.notAfter = 1_900_000_000
        return parts
    }

    func chain(_ parts: Parts) throws -> Data {
        var chain = WACert_CertChain()
        chain.intermediate.details = try parts.intermediate.serializedBytes()
        chain.intermediate.signature = parts.intermediateSignature ?? root.sign(chain.intermediate.details)
        chain.leaf.details = try parts.leaf.serializedBytes()
        chain.leaf.signature = parts.leafSignature ?? intermediate.sign(chain.leaf.details)
        return try chain.serializedBytes()
    }

    func reason(_ parts: Parts) throws -> String? {
        do {
            try CertificateChainVerifier(rootKey: root.publicKey).verify(try chain(parts), serverStatic: serverStatic.publicKey, now: now)
            return nil
        } catch let error as NoiseError {
            guard case .certificateInvalid(let reason) = error.code else { return "not a certificate error: \(error)" }
            return reason
        }
    }

    @Test("the valid chain passes")
    func valid() throws {
        #expect(try reason(validParts()) == nil)
    }

    @Test("each broken link gives its own reason")
    func brokenLinks() throws {
        var parts = validParts()
        parts.intermediateSignature = Data(count: 63)
        #expect(try reason(parts) == "a certificate lacks details or a 64-byte signature")

        parts = validParts()
        parts.intermediateSignature = KeyPair.generate().sign(try parts.intermediate.serializedBytes())
        #expect(try reason(parts) == "the intermediate certificate is not signed by the root key")

        parts = validParts()
        parts.intermediate.issuerSerial = 1
        #expect(try reason(parts) == "the intermediate certificate's details are invalid")

        parts = validParts()
        parts.intermediate.key = Data(count: 31)
        #expect(try reason(parts) == "the intermediate certificate's details are invalid")

        parts = validParts()
        parts.leafSignature = root.sign(try parts.leaf.serializedBytes())
        #expect(try reason(parts) == "the leaf certificate is not signed by the intermediate key")

        parts = validParts()
        parts.intermediate.notAfter = 1_799_999_999
        #expect(try reason(parts) == "the intermediate certificate is not valid now")

        parts = validParts()
        parts.intermediate.notBefore = 1_800_000_001
        #expect(try reason(parts) == "the intermediate certificate is not valid now")

        parts = validParts()
        parts.leaf.issuerSerial = 4
        #expect(try reason(parts) == "the leaf certificate was not issued by the intermediate")

        parts = validParts()
        parts.leaf.key = KeyPair.generate().publicKey.raw
        #expect(try reason(parts) == "the leaf certificate is for another key than the server's static key")

        parts = validParts()
        parts.leaf.notAfter = 1_799_999_999
        #expect(try reason(parts) == "the leaf certificate is not valid now")
    }
}
