public import Foundation
public import SignalProtocol
import WAProto

/// A WebSocket carrying WhatsApp's Noise-encrypted frames: after the handshake, `send` and
/// `receive` move whole decrypted frames (each one a binary node, see WABinary).
public actor NoiseSocket {
    public let connection: WebSocketConnection
    private let reader: FrameReader
    private var transport: NoiseTransport

    init(connection: WebSocketConnection, reader: FrameReader, transport: NoiseTransport) {
        self.connection = connection
        self.reader = reader
        self.transport = transport
    }

    /// Encrypts and sends one frame.
    public func send(_ plaintext: Data) async throws {
        let frame = try FrameCodec.encode(try transport.encrypt(plaintext))
        try await connection.send(frame)
    }

    /// The next decrypted frame, or nil when the connection closed. A frame that fails to decrypt
    /// throws `NoiseError.decryptFailed`; the socket stays usable for the next one.
    public func receive() async throws -> Data? {
        guard let frame = try await reader.next() else { return nil }
        return try transport.decrypt(frame)
    }

    public func close() async {
        await connection.close()
    }

    // MARK: - Handshakes

    /// The client side: sends ClientHello, verifies the server's certificate chain, and sends
    /// ClientFinish with the ClientPayload that `payload` builds.
    public static func connectAsClient(
        over connection: WebSocketConnection, noiseKey: KeyPair, payload: Data,
        verifier: CertificateChainVerifier, timeout: Duration = .seconds(20)
    ) async throws -> NoiseSocket {
        let reader = FrameReader(connection: connection, expectsHeader: false)
        var handshake = NoiseHandshake(role: .initiator, prologue: FrameCodec.connectionHeader, staticKey: noiseKey)
        var hello = WAWebProtobufsWa6_HandshakeMessage()
        hello.clientHello.ephemeral = try handshake.writeMessage1().ephemeral
        try await connection.send(try FrameCodec.encode(try hello.serializedData(), withHeader: true))

        guard let replyBytes = try await reader.next(timeout: timeout),
              let reply = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: replyBytes), reply.hasServerHello,
              reply.serverHello.hasEphemeral, reply.serverHello.hasStatic, reply.serverHello.hasPayload else {
            throw NoiseError(.malformedHandshake("no valid ServerHello"))
        }
        let certificates = try handshake.readMessage2(
            ephemeral: reply.serverHello.ephemeral, encryptedStatic: reply.serverHello.static, payload: reply.serverHello.payload
        )
        guard let serverStatic = handshake.remoteStatic else { throw NoiseError(.malformedHandshake("no server static key")) }
        try verifier.verify(certificates, serverStatic: serverStatic)

        let finishParts = try handshake.writeMessage3(payload: payload)
        var finish = WAWebProtobufsWa6_HandshakeMessage()
        finish.clientFinish.static = finishParts.encryptedStatic
        finish.clientFinish.payload = finishParts.payload
        try await connection.send(try FrameCodec.encode(try finish.serializedData()))
        return NoiseSocket(connection: connection, reader: reader, transport: try handshake.split())
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
    public static func acceptClient(
        over connection: WebSocketConnection, serverStatic: KeyPair, certificateChain: Data, timeout: Duration = .seconds(20)
    ) async throws -> ClientHandshake {
        let reader = FrameReader(connection: connection, expectsHeader: true)
        var handshake = NoiseHandshake(role: .responder, prologue: FrameCodec.connectionHeader, staticKey: serverStatic)
        guard let helloBytes = try await reader.next(timeout: timeout),
              let hello = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: helloBytes), hello.clientHello.hasEphemeral else {
            throw NoiseError(.malformedHandshake("no valid ClientHello"))
        }
        try handshake.readMessage1(ephemeral: hello.clientHello.ephemeral)
        let parts = try handshake.writeMessage2(payload: certificateChain)
        var reply = WAWebProtobufsWa6_HandshakeMessage()
        reply.serverHello.ephemeral = parts.ephemeral
        reply.serverHello.static = parts.encryptedStatic
        reply.serverHello.payload = parts.payload
        try await connection.send(try FrameCodec.encode(try reply.serializedData()))

        guard let finishBytes = try await reader.next(timeout: timeout),
              let finish = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: finishBytes),
              finish.clientFinish.hasStatic, finish.clientFinish.hasPayload else {
            throw NoiseError(.malformedHandshake("no valid ClientFinish"))
        }
        let payload = try handshake.readMessage3(encryptedStatic: finish.clientFinish.static, payload: finish.clientFinish.payload)
        guard let clientStatic = handshake.remoteStatic else { throw NoiseError(.malformedHandshake("no client static key")) }
        let socket = NoiseSocket(connection: connection, reader: reader, transport: try handshake.split())
        return ClientHandshake(socket: socket, clientStatic: clientStatic, payload: payload)
    }
}

/// Frames from a WebSocket: reassembles WebSocket messages into WhatsApp frames and hands them
/// out one at a time.
actor FrameReader {
    private var codec: FrameCodec
    private var frames: [Data] = []
    private var closed = false
    private var failure: NoiseError?
    private var waiter: CheckedContinuation<Data?, any Error>?
    private var waiterID = 0

    init(connection: WebSocketConnection, expectsHeader: Bool) {
        codec = FrameCodec(expectsHeader: expectsHeader)
        let messages = connection.messages
        Task { [weak self] in
            for await message in messages {
                guard let self else { return }
                await self.receive(message)
            }
            await self?.finish()
        }
    }

    private func receive(_ message: Data) {
        do {
            frames += try codec.append(message)
        } catch {
            failure = error
        }
        deliver()
    }

    private func finish() {
        closed = true
        deliver()
    }

    private func deliver() {
        guard let waiter else { return }
        if let failure {
            self.waiter = nil
            waiter.resume(throwing: failure)
        } else if !frames.isEmpty {
            self.waiter = nil
            waiter.resume(returning: frames.removeFirst())
        } else if closed {
            self.waiter = nil
            waiter.resume(returning: nil)
        }
    }

    /// The next frame, nil once the connection closed; gives up after `timeout` when one is given.
    func next(timeout: Duration? = nil) async throws -> Data? {
        if let failure { throw failure }
        if !frames.isEmpty { return frames.removeFirst() }
        if closed { return nil }
        waiterID += 1
        let id = waiterID
        if let timeout {
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id, after: timeout)
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiter = continuation
        }
    }

    private func expire(_ id: Int, after timeout: Duration) {
        guard id == waiterID, let waiter else { return }
        self.waiter = nil
        waiter.resume(throwing: NoiseError(.connectionClosed("no answer within \(timeout)")))
    }
}
