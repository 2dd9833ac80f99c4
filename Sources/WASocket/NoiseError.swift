/// Why a Noise handshake or transport frame failed. Never carries key material.
public struct NoiseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A handshake message is missing a part or has a part of the wrong size.
        case malformedHandshake(String)
        /// AES-GCM refused a handshake or transport ciphertext.
        case decryptFailed
        /// The server's certificate chain is missing, badly signed, expired or not for this key.
        case certificateInvalid(String)
        /// A frame is larger than the 3-byte length allows (2^24 − 1 bytes).
        case frameTooLarge(Int)
        /// A step was called in the wrong order.
        case unexpectedStep(String)
        /// The peer closed the connection or it failed.
        case connectionClosed(String)
        /// The peer did not answer in time (whatsmeow waits 20 s for the ServerHello).
        case timedOut(String)
        /// 2^32 frames went one way: the 4-byte counter would repeat a nonce, so the connection
        /// must be replaced (AES-GCM must never see a nonce twice under one key).
        case counterExhausted
        /// `receive()` was called while another `receive()` on the same socket was waiting.
        case concurrentReceive
    }

    public var code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var description: String { "noise: \(code)" }
}
