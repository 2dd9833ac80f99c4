/// Why a WhatsApp operation failed, with the detail staff and logs need.
public struct WhatsAppError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The session folder has no linked device yet: run `siaran login NAME`.
        case notLinked
        /// The server ended this device's link (401, device removed, 403, 406): re-link needed.
        case loggedOut(reason: String)
        /// Another connection with the same credentials took over (stream conflict "replaced").
        case replaced
        /// WhatsApp says this client version is too old (failure 405).
        case clientOutdated
        /// The account is temporarily banned (failure 402) until `expires`, for reason `code`.
        case temporarilyBanned(code: String, expires: Int?)
        /// An `<iq>` came back with `<error code=… text=…>`.
        case serverError(code: Int, text: String)
        /// A request or message was not answered in time.
        case timeout(String)
        /// Not connected right now (connecting, or waiting to reconnect).
        case notConnected
        /// Pairing failed: bad HMAC, bad signature, or refs ran out.
        case pairingFailed(String)
        /// The server sent something we cannot use.
        case protocolViolation(String)
        /// Media could not be read, encrypted or uploaded.
        case mediaFailed(String)
        /// The session folder could not be read or written.
        case storage(String)
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var description: String {
        let base: String = switch code {
        case .notLinked: "this session is not linked to a WhatsApp number yet (run `siaran login NAME`)"
        case .loggedOut(let reason): "WhatsApp ended this device's link (\(reason)); link it again with `siaran login NAME`"
        case .replaced: "another program connected with this session's keys and replaced this connection"
        case .clientOutdated: "WhatsApp says this client version is outdated (405); set whatsapp.version to a newer WhatsApp Web version"
        case .temporarilyBanned(let code, let expires):
            "WhatsApp temporarily banned this number (reason \(code)\(expires.map { ", for \($0) s" } ?? ""))"
        case .serverError(let code, let text): "WhatsApp answered error \(code) \(text)"
        case .timeout(let what): "no answer in time: \(what)"
        case .notConnected: "not connected to WhatsApp right now"
        case .pairingFailed(let why): "linking failed: \(why)"
        case .protocolViolation(let what): "unexpected data from the server: \(what)"
        case .mediaFailed(let why): "media: \(why)"
        case .storage(let why): "session storage: \(why)"
        }
        return detail.isEmpty ? base : "\(base): \(detail)"
    }
}
