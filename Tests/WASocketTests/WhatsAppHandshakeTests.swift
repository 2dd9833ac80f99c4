import Foundation
import SignalProtocol
import Testing
import WAProto
@testable import WASocket

/// The I/O-free client and server handshakes driven directly, frame by frame.
@Suite("WhatsApp handshake state machines")
struct WhatsAppHandshakeTests {
    let authority = CertificateAuthority()
    let serverStatic = KeyPair.generate()
    let noiseKey = KeyPair.generate()

    func pair(payload: Data = Data("client payload".utf8)) -> (WhatsAppClientHandshake, WhatsAppServerHandshake) {
        let client = WhatsAppClientHandshake(noiseKey: noiseKey, payload: payload, verifier: CertificateChainVerifier(rootKey: authority.root.publicKey))
        let server = WhatsAppServerHandshake(serverStatic: serverStatic, certificateChain: authority.chain(for: serverStatic.publicKey))
        return (client, server)
    }

    @Test("client and server complete; the payload, both static keys and the transports agree")
    func completes() throws {
        var (client, server) = pair()
        let hello = try client.clientHello()
        let parsedHello = try WAWebProtobufsWa6_HandshakeMessage(serializedBytes: hello)
        #expect(parsedHello.clientHello.ephemeral.count == 32)
        let finish = try client.receiveServerHello(try server.receiveClientHello(hello))
        #expect(finish.serverStatic == serverStatic.publicKey)
        let completion = try server.receiveClientFinish(finish.clientFinish)
        #expect(completion.payload == Data("client payload".utf8))
        #expect(completion.clientStatic == noiseKey.publicKey)
        var up = finish.transport, down = completion.transport
        for i in 0..<10 {
            #expect(try down.decrypt(try up.encrypt(Data("naik \(i)".utf8))) == Data("naik \(i)".utf8))
            #expect(try up.decrypt(try down.encrypt(Data("turun \(i)".utf8))) == Data("turun \(i)".utf8))
        }
    }

    @Test("the client refuses a chain that is expired, not yet valid, or from another root")
    func refusesChain() throws {
        var (client, server) = pair()
        let serverHello = try server.receiveClientHello(try client.clientHello())
        let later = Date().addingTimeInterval(86_400 * 400)
        #expect(throws: NoiseError.self) { try client.receiveServerHello(serverHello, now: later) }

        var early = pair()
        let earlyHello = try early.1.receiveClientHello(try early.0.clientHello())
        #expect(throws: NoiseError.self) { try early.0.receiveServerHello(earlyHello, now: Date().addingTimeInterval(-86_400)) }

        var strict = WhatsAppClientHandshake(noiseKey: noiseKey, payload: Data())  // WhatsApp's own root
        var other = pair().1
        let otherHello = try other.receiveClientHello(try strict.clientHello())
        do {
            _ = try strict.receiveServerHello(otherHello)
            Issue.record("a chain from a test root passed WhatsApp's root key")
        } catch {
            guard case .certificateInvalid = error.code else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test("steps out of order are typed errors")
    func outOfOrder() throws {
        var (client, server) = pair()
        #expect(throws: NoiseError.self) { try server.receiveClientFinish(Data()) }
        _ = try client.clientHello()
        #expect(throws: NoiseError(.unexpectedStep("message 1"))) { try client.clientHello() }
    }

    /// Random and bit-flipped frames at every step: always a `NoiseError`, never a crash or hang.
    @Test("garbage and mutated handshake frames are refused with typed errors", arguments: [7, 8])
    func mutatedFrames(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var (client, server) = pair()
        let hello = try client.clientHello()
        var serverCopy = server
        let serverHello = try serverCopy.receiveClientHello(hello)
        var clientCopy = client
        let clientFinish = try clientCopy.receiveServerHello(serverHello).clientFinish

        func mutate(_ frame: Data) -> Data {
            var bytes = [UInt8](frame)
            switch random.next() % 4 {
            case 0:  // garbage of any length
                return Data((0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            case 1:  // truncated
                return Data(bytes.prefix(Int(random.next() % UInt64(max(1, bytes.count)))))
            case 2:  // a few flipped bits
                for _ in 0...(random.next() % 3) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1) << (random.next() % 8)
                }
                return Data(bytes)
            default:  // extra bytes appended
                return Data(bytes) + Data((0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            }
        }
        var refused = 0
        for _ in 0..<700 {
            let bad = mutate(hello)
            var fresh = server
            do { _ = try fresh.receiveClientHello(bad) } catch { refused += 1 }

            var finishing = serverCopy
            let badFinish = mutate(clientFinish)
            do {
                // What gets through (say, bytes protobuf skips as an unknown field) is authentic.
                #expect(try finishing.receiveClientFinish(badFinish).payload == Data("client payload".utf8))
            } catch { refused += 1 }

            var reading = client
            let badServerHello = mutate(serverHello)
            do {
                #expect(try reading.receiveServerHello(badServerHello).serverStatic == serverStatic.publicKey)
            } catch { refused += 1 }
        }
        // Almost every mutation is refused (a flipped bit in an unknown-field-free spot may not be).
        #expect(refused > 1_900)
    }
}

@Suite("Noise transport limits")
struct NoiseTransportLimitTests {
    @Test("the last of 2^32 counters is used once, then the transport refuses instead of repeating a nonce")
    func counterExhaustion() throws {
        let key = Data((0..<32).map { UInt8($0) })
        var writer = NoiseTransport(writeKey: .init(data: key), readKey: .init(data: key), writeCounter: .max - 1, readCounter: 0)
        var reader = NoiseTransport(writeKey: .init(data: key), readKey: .init(data: key), writeCounter: 0, readCounter: .max - 1)
        for i in 0..<2 {
            #expect(try reader.decrypt(try writer.encrypt(Data([UInt8(i)]))) == Data([UInt8(i)]))
        }
        #expect(throws: NoiseError(.counterExhausted)) { try writer.encrypt(Data("one too many".utf8)) }
        #expect(throws: NoiseError(.counterExhausted)) { try reader.decrypt(Data(count: 32)) }
    }

    @Test("a frame that fails to decrypt still uses its counter, so the next one decrypts")
    func failedFrameAdvances() throws {
        let key = Data(repeating: 9, count: 32)
        var writer = NoiseTransport(writeKey: .init(data: key), readKey: .init(data: key))
        var reader = NoiseTransport(writeKey: .init(data: key), readKey: .init(data: key))
        var first = try writer.encrypt(Data("first".utf8))
        first[0] ^= 1
        #expect(throws: NoiseError(.decryptFailed)) { try reader.decrypt(first) }
        #expect(try reader.decrypt(try writer.encrypt(Data("second".utf8))) == Data("second".utf8))
        #expect(throws: NoiseError(.decryptFailed)) { try reader.decrypt(Data(count: 5)) }
    }
}

/// SplitMix64, so a failing mutation run can be replayed from its seed.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
