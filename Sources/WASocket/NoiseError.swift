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
    }

    public var code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var description: String { "noise: \(code)" }
}
