import Foundation
import NIOSSL
import SignalProtocol
import SiaranTestSupport
import Testing
@testable import WASocket

/// `wss://` through swift-nio-ssl, against our own server with a self-signed certificate made by
/// PyPI cryptography.
@Suite("NoiseSocket over TLS", .serialized)
struct SecureWebSocketTests {
    static func certificate() async throws -> (folder: URL, certificate: NIOSSLCertificate, key: NIOSSLPrivateKey) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wss-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let made = try await runProgram(packageRoot.appendingPathComponent(".venv/bin/python"),
                                        [packageRoot.appendingPathComponent("Tests/WASocketTests/Interop/make_tls_certificate.py").path, folder.path])
        #expect(made.status == 0, "\(made.errorText)")
        let certificates = try NIOSSLCertificate.fromPEMFile(folder.appendingPathComponent("cert.pem").path)
        let certificate = try #require(certificates.first)
        return (folder, certificate, try NIOSSLPrivateKey(file: folder.appendingPathComponent("key.pem").path, format: .pem))
    }

    @Test("a client reaches a wss:// server by name and by address, and frames flow", .timeLimit(.minutes(3)),
          arguments: ["localhost", "127.0.0.1"])
    func secure(host: String) async throws {
        let (folder, certificate, key) = try await Self.certificate()
        defer { try? FileManager.default.removeItem(at: folder) }
        let serverTLS = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
        let listener = try await WebSocketServer.start(tls: serverTLS)
        defer { Task { await listener.close() } }
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        async let accepted: NoiseSocket.ClientHandshake = {
            var connections = listener.connections.makeAsyncIterator()
            guard let connection = await connections.next() else { throw NoiseError(.connectionClosed("no connection")) }
            return try await NoiseSocket.acceptClient(over: connection, serverStatic: serverStatic, certificateChain: authority.chain(for: serverStatic.publicKey))
        }()
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.trustRoots = .certificates([certificate])
        let connection = try await WebSocketClient.connect(to: URL(string: "wss://\(host):\(listener.port)/ws/chat")!, tls: clientTLS)
        let client = try await NoiseSocket.connectAsClient(
            over: connection, noiseKey: .generate(), payload: Data("lewat TLS".utf8), verifier: CertificateChainVerifier(rootKey: authority.root.publicKey)
        )
        let server = try await accepted
        #expect(server.payload == Data("lewat TLS".utf8))
        try await client.send(Data(repeating: 7, count: 100_000))
        #expect(try await server.socket.receive() == Data(repeating: 7, count: 100_000))
        try await server.socket.send(Data("balik".utf8))
        #expect(try await client.receive() == Data("balik".utf8))
        await client.close()
    }

    @Test("a certificate the client does not trust is an error, not a hang", .timeLimit(.minutes(3)))
    func untrusted() async throws {
        let (folder, certificate, key) = try await Self.certificate()
        defer { try? FileManager.default.removeItem(at: folder) }
        let serverTLS = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
        let listener = try await WebSocketServer.start(tls: serverTLS)
        await #expect(throws: WebSocketError.self) {
            _ = try await WebSocketClient.connect(to: URL(string: "wss://localhost:\(listener.port)/ws/chat")!, timeout: .seconds(5))
        }
        await listener.close()
    }
}
