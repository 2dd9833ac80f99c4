import Foundation
import SignalProtocol
import Testing
import WABinary
@testable import WASocket
@testable import WhatsApp

/// Answers reach whoever waits for them, and nothing is left running once they have.
@Suite("Node connection")
struct NodeConnectionTests {
    @Test("an answered query stops its timeout timer; an unanswered one times out", .timeLimit(.minutes(3)))
    func timers() async throws {
        let listener = try await WebSocketServer.start()
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        async let accepted: NoiseSocket.ClientHandshake = {
            var connections = listener.connections.makeAsyncIterator()
            guard let connection = await connections.next() else { throw NoiseError(.connectionClosed("no connection")) }
            return try await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic, certificateChain: authority.chain(for: serverStatic.publicKey))
        }()
        let socket = try await NoiseSocket.connectAsClient(
            over: try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(listener.port)/ws/chat")!),
            noiseKey: .generate(), payload: Data(), verifier: CertificateChainVerifier(rootKey: authority.root.publicKey))
        let server = try await accepted.socket
        let connection = NodeConnection(socket: socket)
        await connection.start()

        // A server that answers every iq except those whose xmlns is "silent".
        let answering = Task {
            while let frame = try await server.receive() {
                let node = try BinaryDecoder().decodeFrame([UInt8](frame))
                guard node.string("xmlns") != "silent", let id = node.string("id") else { continue }
                let result = Node("iq", [("id", .string(id)), ("type", .string("result")), ("from", .jid(.serverJID))])
                try await server.send(Data(try BinaryEncoder().encodeFrame(result)))
            }
        }
        for _ in 0..<20 {
            let answer = try await connection.query(xmlns: "w:p", type: "get", children: [])
            #expect(answer.string("type") == "result")
        }
        let afterAnswers = await connection.waiting
        #expect(afterAnswers.answers == 0 && afterAnswers.timers == 0, "\(afterAnswers)")

        await #expect(throws: WhatsAppError.self) {
            try await connection.query(xmlns: "silent", type: "get", children: [], timeout: .milliseconds(200))
        }
        let afterTimeout = await connection.waiting
        #expect(afterTimeout.answers == 0 && afterTimeout.timers == 0, "\(afterTimeout)")

        await connection.close()
        answering.cancel()
        await listener.close()
    }
}
