/// Why a Signal operation failed. Codes follow libsignal's errors so logs compare with whatsmeow's.
public struct SignalError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case invalidKey
        case invalidSignature
        /// A message's MAC does not match: tampered, or encrypted for another session.
        case invalidMAC
        case invalidMessage
        /// The version byte is not 3.
        case unsupportedVersion(UInt8)
        /// The message was already decrypted (or its key was discarded).
        case duplicateMessage
        /// The counter is more than `SessionState.maximumSkip` ahead of the chain.
        case tooFarIntoFuture
        /// No session exists for the address.
        case noSession
        /// A PreKeyWhisperMessage names a one-time prekey we do not have.
        case invalidPreKeyID(UInt32)
        case invalidSignedPreKeyID(UInt32)
        /// The remote identity changed and the trust policy refuses it.
        case untrustedIdentity
        /// Decryption of the payload failed (bad padding).
        case decryptionFailed
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? "signal: \(code)" : "signal: \(code): \(detail)" }
}
