public import Foundation
public import SignalProtocol
import WAProto

/// The server's side of WhatsApp's Noise handshake (the simulator's), as frames in and frames out
/// with no I/O: answers ClientHello with our static key and certificate chain, then decrypts the
/// client's static key and ClientPayload from ClientFinish.
public struct WhatsAppServerHandshake: Sendable {
    private var noise: NoiseHandshake
    private let certificateChain: Data

    /// What the server learns from a completed handshake.
    public struct Completion: Sendable {
        /// The client's long-term Noise key.
        public var clientStatic: PublicKey
        /// The decrypted `ClientPayload` bytes.
        public var payload: Data
        /// The transport for every later frame.
        public var transport: NoiseTransport
    }

    /// - Parameters:
    ///   - serverStatic: our static key; `certificateChain` must certify it (see `CertificateAuthority`).
    ///   - certificateChain: a serialized `CertChain`, sent encrypted in the ServerHello.
    ///   - ephemeral: only for tests that need fixed keys.
    public init(serverStatic: KeyPair, certificateChain: Data, ephemeral: KeyPair = .generate()) {
        noise = NoiseHandshake(role: .responder, prologue: FrameCodec.connectionHeader, staticKey: serverStatic, ephemeral: ephemeral)
        self.certificateChain = certificateChain
    }

    /// Reads ClientHello (the first frame, after the connection header) and returns the ServerHello
    /// frame payload.
    public mutating func receiveClientHello(_ frame: Data) throws(NoiseError) -> Data {
        guard let message = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: frame) else {
            throw NoiseError(.malformedHandshake("the ClientHello frame is not a HandshakeMessage"))
        }
        guard message.hasClientHello, message.clientHello.hasEphemeral else {
            throw NoiseError(.malformedHandshake("the client's first frame has no ClientHello with an ephemeral key"))
        }
        try noise.readMessage1(ephemeral: message.clientHello.ephemeral)
        let parts = try noise.writeMessage2(payload: certificateChain)
        var reply = WAWebProtobufsWa6_HandshakeMessage()
        reply.serverHello.ephemeral = parts.ephemeral
        reply.serverHello.static = parts.encryptedStatic
        reply.serverHello.payload = parts.payload
        return try WhatsAppClientHandshake.serialize(reply)
    }

    /// Reads ClientFinish and returns the client's static key, its payload and the transport.
    public mutating func receiveClientFinish(_ frame: Data) throws(NoiseError) -> Completion {
        guard let message = try? WAWebProtobufsWa6_HandshakeMessage(serializedBytes: frame) else {
            throw NoiseError(.malformedHandshake("the ClientFinish frame is not a HandshakeMessage"))
        }
        guard message.hasClientFinish, message.clientFinish.hasStatic, message.clientFinish.hasPayload else {
            throw NoiseError(.malformedHandshake("the client's second frame has no ClientFinish with a static key and payload"))
        }
        let payload = try noise.readMessage3(encryptedStatic: message.clientFinish.static, payload: message.clientFinish.payload)
        guard let clientStatic = noise.remoteStatic else { throw NoiseError(.malformedHandshake("no client static key")) }
        return Completion(clientStatic: clientStatic, payload: payload, transport: try noise.split())
    }
}
