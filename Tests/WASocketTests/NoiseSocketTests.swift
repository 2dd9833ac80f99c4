import Foundation
import SignalProtocol
import Testing
import WAProto
@testable import WASocket

/// Our client and our responder over a real loopback WebSocket.
@Suite("NoiseSocket over WebSocket")
struct NoiseSocketTests {
    @Test("a client connects, verifies the chain, and frames flow both ways", .timeLimit(.minutes(3)))
    func clientAndServer() async throws {
        let server = try await WebSocketServer.start()
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        let noiseKey = KeyPair.generate()
        async let accepted: NoiseSocket.ClientHandshake = {
            var connections = server.connections.makeAsyncIterator()
            guard let connection = await connections.next() else { throw NoiseError(.connectionClosed("no connection")) }
            return try await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic, certificateChain: authority.chain(for: serverStatic.publicKey))
        }()
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!)
        let client = try await NoiseSocket.connectAsClient(
            over: connection, noiseKey: noiseKey, payload: Data("client payload".utf8),
            verifier: CertificateChainVerifier(rootKey: authority.root.publicKey)
        )
        let handshake = try await accepted
        #expect(handshake.payload == Data("client payload".utf8))
        #expect(handshake.clientStatic == noiseKey.publicKey)
        for i in 0..<50 {
            let up = Data(repeating: UInt8(i), count: i * 997)
            try await client.send(up)
            #expect(try await handshake.socket.receive() == up)
            try await handshake.socket.send(Data("down \(i)".utf8))
            #expect(try await client.receive() == Data("down \(i)".utf8))
        }
        await client.close()
        #expect(try await handshake.socket.receive() == nil)
        await server.close()
    }

    @Test("a client refuses a server whose chain is not from the configured root", .timeLimit(.minutes(3)))
    func wrongRoot() async throws {
        let server = try await WebSocketServer.start()
        let serverStatic = KeyPair.generate()
        Task {
            var connections = server.connections.makeAsyncIterator()
            if let connection = await connections.next() {
                _ = try? await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic,
                                                        certificateChain: CertificateAuthority().chain(for: serverStatic.publicKey), timeout: .seconds(5))
            }
        }
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!)
        await #expect(throws: NoiseError.self) {
            try await NoiseSocket.connectAsClient(over: connection, noiseKey: .generate(), payload: Data(), verifier: CertificateChainVerifier())
        }
        await server.close()
    }

    /// A connected client/server pair over loopback.
    static func connectedPair() async throws -> (client: NoiseSocket, server: NoiseSocket, listener: WebSocketServer) {
        let listener = try await WebSocketServer.start()
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        async let accepted: NoiseSocket.ClientHandshake = {
            var connections = listener.connections.makeAsyncIterator()
            guard let connection = await connections.next() else { throw NoiseError(.connectionClosed("no connection")) }
            return try await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic, certificateChain: authority.chain(for: serverStatic.publicKey))
        }()
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(listener.port)/ws/chat")!)
        let client = try await NoiseSocket.connectAsClient(
            over: connection, noiseKey: .generate(), payload: Data(), verifier: CertificateChainVerifier(rootKey: authority.root.publicKey)
        )
        return (client, try await accepted.socket, listener)
    }

    @Test("a server that never answers the ClientHello times out with a typed error", .timeLimit(.minutes(3)))
    func silentServer() async throws {
        let listener = try await WebSocketServer.start()
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(listener.port)/ws/chat")!)
        let started = ContinuousClock.now
        await #expect(throws: NoiseError(.timedOut("no frame within 0.3 seconds"))) {
            try await NoiseSocket.connectAsClient(over: connection, noiseKey: .generate(), payload: Data(),
                                                  verifier: CertificateChainVerifier(), timeout: .milliseconds(300))
        }
        // Behaviour, not timing: the 0.3 s timeout ends the wait long before the test's own limit.
        #expect(ContinuousClock.now - started < .seconds(30))
        await listener.close()
    }

    @Test("frames sent from many tasks at once on one socket all decrypt on the other side, in nonce order",
          .timeLimit(.minutes(3)))
    func concurrentSends() async throws {
        let (client, server, listener) = try await Self.connectedPair()
        let senders = 16, each = 50
        let received = Task {
            var frames: [Data] = []
            // A frame out of nonce order would throw decryptFailed here.
            while frames.count < senders * each, let frame = try await server.receive() { frames.append(frame) }
            return frames
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for n in 0..<each {
                        // Sizes vary so writes take different times, as a send, a receipt and a keepalive do.
                        try await client.send(Data("\(sender)/\(n)/".utf8) + Data(repeating: UInt8(n), count: (sender * 397 + n * 131) % 9_000))
                    }
                }
            }
            try await group.waitForAll()
        }
        let frames = try await received.value
        #expect(frames.count == senders * each)
        // Each task's frames arrive in the order it sent them.
        var next = [Int](repeating: 0, count: senders)
        for frame in frames {
            let fields = frame.prefix(20).split(separator: UInt8(ascii: "/"), maxSplits: 2)
            guard fields.count >= 2, let sender = Int(String(decoding: fields[0], as: UTF8.self)),
                  let n = Int(String(decoding: fields[1], as: UTF8.self)) else { Issue.record("unreadable frame"); continue }
            #expect(n == next[sender], "task \(sender): frame \(n) after \(next[sender] - 1)")
            next[sender] = n + 1
        }
        await client.close()
        await listener.close()
    }

    @Test("a second concurrent receive is refused; the first still gets its frame", .timeLimit(.minutes(3)))
    func concurrentReceive() async throws {
        let (client, server, listener) = try await Self.connectedPair()
        let first = Task { try await client.receive() }
        try await Task.sleep(for: .milliseconds(100))
        await #expect(throws: NoiseError(.concurrentReceive)) { try await client.receive() }
        try await server.send(Data("satu".utf8))
        #expect(try await first.value == Data("satu".utf8))
        await client.close()
        await listener.close()
    }

    @Test("cancelling a waiting receive ends it at once, and the socket still works", .timeLimit(.minutes(3)))
    func cancelledReceive() async throws {
        let (client, server, listener) = try await Self.connectedPair()
        let waiting = Task { try await client.receive() }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        try await server.send(Data("dua".utf8))
        #expect(try await client.receive() == Data("dua".utf8))
        await client.close()
        await listener.close()
    }

    @Test("a refused upgrade path is an error, not a hang", .timeLimit(.minutes(3)))
    func refusedUpgrade() async throws {
        let server = try await WebSocketServer.start()
        let started = ContinuousClock.now
        await #expect(throws: WebSocketError(.upgradeRefused(status: 404))) {
            _ = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/other")!, timeout: .seconds(10))
        }
        // A refusal by timeout would have thrown .timedOut, not .upgradeRefused: no timing needed.
        _ = started
        await #expect(throws: WebSocketError(.unsupportedURL("http://127.0.0.1/ws/chat"))) {
            _ = try await WebSocketClient.connect(to: URL(string: "http://127.0.0.1/ws/chat")!)
        }
        // Nothing listens on port 1.
        await #expect(throws: WebSocketError.self) {
            _ = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:1/ws/chat")!, timeout: .seconds(5))
        }
        await server.close()
    }
}
