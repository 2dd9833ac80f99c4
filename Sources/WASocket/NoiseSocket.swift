public import Foundation
public import SignalProtocol

/// A WebSocket carrying WhatsApp's Noise-encrypted frames: after the handshake, `send` and
/// `receive` move whole decrypted frames (each one a binary node, see WABinary).
///
/// The handshakes themselves are the I/O-free `WhatsAppClientHandshake` and
/// `WhatsAppServerHandshake`; this type only carries their frames.
public actor NoiseSocket {
    public nonisolated let connection: WebSocketConnection
    private let reader: FrameReader
    private var transport: NoiseTransport

    init(connection: WebSocketConnection, reader: FrameReader, transport: NoiseTransport) {
        self.connection = connection
        self.reader = reader
        self.transport = transport
    }

    /// Encrypts and sends one frame. Encrypting takes the next nonce, and the peer decrypts in
    /// wire order, so the frame is queued on the channel before this actor lets another send in:
    /// awaiting the write itself first (a suspension) let a later frame reach the wire before an
    /// earlier one, and the peer refused it (`decryptFailed`) under load.
    public func send(_ plaintext: Data) async throws {
        let frame = try FrameCodec.encode(try transport.encrypt(plaintext))
        try await connection.enqueue(frame).get()
    }

    /// The next decrypted frame, or nil when the connection closed. A frame that fails to decrypt
    /// throws `NoiseError.decryptFailed`; the socket stays usable for the next one. One receive at
    /// a time: a second concurrent call throws `NoiseError.concurrentReceive`.
    public func receive() async throws -> Data? {
        guard let frame = try await reader.next() else { return nil }
        return try transport.decrypt(frame)
    }

    public func close() async {
        await connection.close()
    }

    // MARK: - Handshakes

    /// The client side: sends ClientHello, verifies the server's certificate chain, and sends
    /// ClientFinish carrying `payload` (a serialized ClientPayload).
    /// - Parameter timeout: how long to wait for the ServerHello (whatsmeow: 20 s).
    public static func connectAsClient(
        over connection: WebSocketConnection, noiseKey: KeyPair, payload: Data,
        verifier: CertificateChainVerifier, timeout: Duration = .seconds(20)
    ) async throws -> NoiseSocket {
        let reader = FrameReader(connection: connection, expectsHeader: false)
        var handshake = WhatsAppClientHandshake(noiseKey: noiseKey, payload: payload, verifier: verifier)
        try await connection.send(try FrameCodec.encode(try handshake.clientHello(), withHeader: true))
        guard let serverHello = try await reader.next(timeout: timeout) else {
            throw NoiseError(.connectionClosed("the server closed the connection before its ServerHello"))
        }
        let finish = try handshake.receiveServerHello(serverHello)
        try await connection.send(try FrameCodec.encode(finish.clientFinish))
        return NoiseSocket(connection: connection, reader: reader, transport: finish.transport)
    }

    /// What the server learns from a client's handshake.
    public struct ClientHandshake: Sendable {
        public var socket: NoiseSocket
        /// The client's long-term Noise key.
        public var clientStatic: PublicKey
        /// The decrypted ClientPayload bytes.
        public var payload: Data
    }

    /// The server side (the simulator's): reads ClientHello, answers with our static key and
    /// certificate chain, and decrypts the client's static key and payload.
    /// - Parameter timeout: how long to wait for each of the client's two handshake frames.
    public static func acceptClient(
        over connection: WebSocketConnection, serverStatic: KeyPair, certificateChain: Data, timeout: Duration = .seconds(20)
    ) async throws -> ClientHandshake {
        let reader = FrameReader(connection: connection, expectsHeader: true)
        var handshake = WhatsAppServerHandshake(serverStatic: serverStatic, certificateChain: certificateChain)
        guard let clientHello = try await reader.next(timeout: timeout) else {
            throw NoiseError(.connectionClosed("the client closed the connection before its ClientHello"))
        }
        try await connection.send(try FrameCodec.encode(try handshake.receiveClientHello(clientHello)))
        guard let clientFinish = try await reader.next(timeout: timeout) else {
            throw NoiseError(.connectionClosed("the client closed the connection before its ClientFinish"))
        }
        let completion = try handshake.receiveClientFinish(clientFinish)
        let socket = NoiseSocket(connection: connection, reader: reader, transport: completion.transport)
        return ClientHandshake(socket: socket, clientStatic: completion.clientStatic, payload: completion.payload)
    }
}
