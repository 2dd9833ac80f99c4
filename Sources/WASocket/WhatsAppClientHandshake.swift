public import Foundation
public import SignalProtocol
import WAProto

/// The client's side of WhatsApp's Noise handshake (protocol brief §1.3) as frames in and frames
/// out, with no I/O: ClientHello, then, given the ServerHello, the certificate check, ClientFinish
/// and the transport keys. `NoiseSocket.connectAsClient` carries these frames over a WebSocket.
public struct WhatsAppClientHandshake: Sendable {
    private var noise: NoiseHandshake
    private let verifier: CertificateChainVerifier
    private let payload: Data

    /// What the client has once the server's answer checked out.
    public struct Finish: Sendable {
        /// The frame payload to send last (a `HandshakeMessage` with `clientFinish`).
        public var clientFinish: Data
        /// The transport for every later frame.
        public var transport: NoiseTransport
        /// The server's static key, certified by the chain.
        public var serverStatic: PublicKey
    }

    /// - Parameters:
    ///   - noiseKey: our long-term Noise key (persisted with the session).
    ///   - payload: the serialized `ClientPayload` (login or registration, §1.6).
    ///   - verifier: checks the server's certificate chain; WhatsApp's root key by default.
    ///   - ephemeral: only for tests that need fixed keys.
    public init(noiseKey: KeyPair, payload: Data, verifier: CertificateChainVerifier = CertificateChainVerifier(), ephemeral: KeyPair = .generate()) {
        noise = NoiseHandshake(role: .initiator, prologue: FrameCodec.connectionHeader, staticKey: noiseKey, ephemeral: ephemeral)
        self.verifier = verifier
        self.payload = payload
    }

    /// The first frame's payload (a `HandshakeMessage` with `clientHello`); it goes out behind
    /// the connection header `WA 06 03`.
    public mutating func clientHello() throws(NoiseError) -> Data {
        var hello = WAWebProtobufsWa6_HandshakeMessage()
        hello.clientHello.ephemeral = try noise.writeMessage1().ephemeral
        return try Self.serialize(hello)
    }

    /// Reads the ServerHello, verifies the certificate chain for the server's static key at
    /// `now`, and returns ClientFinish with the transport.
    public mutating func receiveServerHello(_ frame: Data, now: Date = Date()) throws(NoiseError) -> Finish {
        guard let message = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: frame) else {
            throw NoiseError(.malformedHandshake("the ServerHello frame is not a HandshakeMessage"))
        }
        guard message.hasServerHello else {
            throw NoiseError(.malformedHandshake("the server's first frame has no ServerHello"))
        }
        let hello = message.serverHello
        guard hello.hasEphemeral, hello.hasStatic, hello.hasPayload else {
            throw NoiseError(.malformedHandshake("the ServerHello lacks its ephemeral key, static key or payload"))
        }
        let certificates = try noise.readMessage2(ephemeral: hello.ephemeral, encryptedStatic: hello.static, payload: hello.payload)
        guard let serverStatic = noise.remoteStatic else { throw NoiseError(.malformedHandshake("no server static key")) }
        try verifier.verify(certificates, serverStatic: serverStatic, now: now)

        let parts = try noise.writeMessage3(payload: payload)
        var finish = WAWebProtobufsWa6_HandshakeMessage()
        finish.clientFinish.static = parts.encryptedStatic
        finish.clientFinish.payload = parts.payload
        return Finish(clientFinish: try Self.serialize(finish), transport: try noise.split(), serverStatic: serverStatic)
    }

    static func serialize(_ message: WAWebProtobufsWa6_HandshakeMessage) throws(NoiseError) -> Data {
        do { return try message.serializedBytes() } catch { throw NoiseError(.malformedHandshake("cannot encode a HandshakeMessage: \(error)")) }
    }
}
