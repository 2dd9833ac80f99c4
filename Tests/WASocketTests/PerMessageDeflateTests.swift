import Foundation
import SiaranTestSupport
import Testing
@testable import WASocket

/// permessage-deflate (RFC 7692): the RFC's own byte examples, negotiation, and messages both ways
/// against a server that accepts it and one that does not.
@Suite("permessage-deflate")
struct PerMessageDeflateTests {
    @Test("deflating 'Hello' twice gives RFC 7692 §7.2.3.2's bytes: the second message reuses the context")
    func rfcExamples() throws {
        let deflater = try #require(MessageDeflater(windowBits: 15, resetsEachMessage: false))
        #expect(deflater.compress(Array("Hello".utf8)) == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
        #expect(deflater.compress(Array("Hello".utf8)) == [0xF2, 0x00, 0x11, 0x00, 0x00])

        let inflater = try #require(MessageInflater(resetsEachMessage: false, limit: 1 << 20))
        #expect(try inflater.inflate([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]) == Array("Hello".utf8))
        #expect(try inflater.inflate([0xF2, 0x00, 0x11, 0x00, 0x00]) == Array("Hello".utf8))
        // §7.2.3.4: a block with BFINAL set, then §7.2.3.3: a stored (uncompressed) block.
        let fresh = try #require(MessageInflater(resetsEachMessage: false, limit: 1 << 20))
        #expect(try fresh.inflate([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00]) == Array("Hello".utf8))
        #expect(try fresh.inflate([0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00]) == Array("Hello".utf8))
    }

    @Test("without context takeover each message stands alone; corrupt and oversized input are errors")
    func noContextTakeover() throws {
        let deflater = try #require(MessageDeflater(windowBits: 15, resetsEachMessage: true))
        let first = deflater.compress(Array("Hello".utf8))
        #expect(deflater.compress(Array("Hello".utf8)) == first)
        let small = try #require(MessageInflater(resetsEachMessage: true, limit: 1000))
        #expect(throws: MessageInflater.Failure.self) { try small.inflate([0xFF, 0xFF, 0xFF, 0x13]) }
        let zeros = try #require(MessageDeflater(windowBits: 15, resetsEachMessage: true)).compress([UInt8](repeating: 0, count: 100_000))
        let limited = try #require(MessageInflater(resetsEachMessage: true, limit: 1000))
        #expect(throws: MessageInflater.Failure.tooLarge) { try limited.inflate(zeros) }
        // An empty message, then a real one, on one context.
        let shared = try #require(MessageDeflater(windowBits: 15, resetsEachMessage: false))
        let reader = try #require(MessageInflater(resetsEachMessage: false, limit: 1000))
        for text in ["", "Halo", "", "Halo"] {
            #expect(try reader.inflate(shared.compress(Array(text.utf8))) == Array(text.utf8))
        }
    }

    @Test("the server's answer decides the parameters; extensions we did not offer fail the connection")
    func negotiation() throws {
        #expect(try PerMessageDeflate.accepted(by: nil) == nil)
        #expect(try PerMessageDeflate.accepted(by: "permessage-deflate") == PerMessageDeflate())
        var expected = PerMessageDeflate()
        expected.serverNoContextTakeover = true
        expected.clientMaxWindowBits = 10
        #expect(try PerMessageDeflate.accepted(by: "permessage-deflate; server_no_context_takeover; client_max_window_bits=10") == expected)
        #expect(throws: WebSocketError.self) { try PerMessageDeflate.accepted(by: "x-webkit-deflate-frame") }
        #expect(throws: WebSocketError.self) { try PerMessageDeflate.accepted(by: "permessage-deflate; client_max_window_bits=16") }
        #expect(throws: WebSocketError.self) { try PerMessageDeflate.accepted(by: "permessage-deflate; mystery") }
        #expect(PerMessageDeflate.offered(in: "permessage-deflate; client_max_window_bits"))
        #expect(!PerMessageDeflate.offered(in: "x-webkit-deflate-frame"))
    }

    @Test("with a server that accepts it, messages are compressed both ways and arrive whole", .timeLimit(.minutes(2)),
          arguments: [true, false])
    func roundTrip(serverAccepts: Bool) async throws {
        let (server, echo) = try await ProxyTests.echoServer(perMessageDeflate: serverAccepts)
        defer { echo.cancel(); Task { await server.close() } }
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!, timeout: .seconds(20))
        #expect((connection.compression != nil) == serverAccepts)
        var messages = connection.messages.makeAsyncIterator()
        // Compressible and incompressible payloads, small and over NIO's single-frame sizes.
        let payloads = [Data("Halo".utf8), Data(repeating: 0x41, count: 300_000), Data((0..<200_000).map { _ in UInt8.random(in: 0...255) }), Data()]
        for payload in payloads {
            try await connection.send(payload)
            #expect(await messages.next() == payload)
        }
        await connection.close()
    }

    @Test("a client that does not offer it gets plain frames from a server that would accept it", .timeLimit(.minutes(2)))
    func notOffered() async throws {
        let (server, echo) = try await ProxyTests.echoServer(perMessageDeflate: true)
        defer { echo.cancel(); Task { await server.close() } }
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!, compression: false,
                                                          timeout: .seconds(20))
        #expect(connection.compression == nil)
        var messages = connection.messages.makeAsyncIterator()
        try await connection.send(Data(repeating: 7, count: 10_000))
        #expect(await messages.next() == Data(repeating: 7, count: 10_000))
        await connection.close()
    }

    /// Parameter sets for the `websockets` server (nil: it does not take the extension), and what
    /// our side must have agreed to.
    static let pythonServers: [(deflate: String?, expected: PerMessageDeflate?)] = {
        var small = PerMessageDeflate()
        small.serverMaxWindowBits = 10
        small.clientMaxWindowBits = 9
        var fresh = PerMessageDeflate()
        fresh.serverNoContextTakeover = true
        fresh.clientNoContextTakeover = true
        return [("{}", PerMessageDeflate()), (#"{"server_max_window_bits": 10, "client_max_window_bits": 9}"#, small),
                (#"{"server_no_context_takeover": true, "client_no_context_takeover": true}"#, fresh), (nil, nil)]
    }()

    @Test("against PyPI websockets (an independent RFC 7692 implementation) with each parameter set, messages echo back whole",
          .timeLimit(.minutes(2)), arguments: 0..<4)
    func pythonWebsockets(index: Int) async throws {
        let (deflate, expected) = Self.pythonServers[index]
        let peer = try PythonPeer(script: "Tests/WASocketTests/Interop/websockets_server.py")
        let settings: Any = try deflate.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull()
        let port = try #require(try await peer.call(["cmd": "start", "deflate": settings])["port"] as? Int)
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(port)/")!, timeout: .seconds(20))
        #expect(connection.compression == expected)
        var messages = connection.messages.makeAsyncIterator()
        let payloads = [Data("Halo".utf8), Data(repeating: 0x41, count: 300_000), Data((0..<200_000).map { _ in UInt8.random(in: 0...255) }),
                        Data(), Data("Halo".utf8)]
        for payload in payloads {
            try await connection.send(payload)
            #expect(await messages.next() == payload)
        }
        await connection.close()
        let report = try await peer.call(["cmd": "report", "port": port])
        let connections = try #require(report["connections"] as? [[String: Any]])
        #expect(connections.count == 1)
        #expect((connections.first?["echoed"] as? Int) == payloads.count)
        #expect((connections.first?["extensions"] as? [Any])?.count == (expected == nil ? 0 : 1))
    }
}
