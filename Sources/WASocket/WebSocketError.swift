/// Why a WebSocket connection could not be opened.
public struct WebSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// Only `ws://` and `wss://` URLs with a host are accepted.
        case unsupportedURL(String)
        /// The TCP connection (or DNS) failed.
        case cannotConnect(host: String, port: Int, reason: String)
        /// TLS or the connection failed during the upgrade.
        case connectionFailed(String)
        /// The server answered the upgrade request with this HTTP status instead of 101.
        case upgradeRefused(status: Int)
        /// The server closed the connection before the upgrade completed.
        case closedDuringUpgrade
        /// The upgrade did not complete within the allowed time.
        case timedOut
        /// The session's proxy could not open the tunnel.
        case proxy(ProxyError)
    }

    public var code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var description: String {
        switch code {
        case .unsupportedURL(let url): "websocket: unsupported URL \(url) (ws:// or wss:// with a host)"
        case .cannotConnect(let host, let port, let reason): "websocket: cannot connect to \(host):\(port): \(reason)"
        case .connectionFailed(let reason): "websocket: the connection failed during the upgrade: \(reason)"
        case .upgradeRefused(let status): "websocket: the server refused the upgrade with HTTP \(status)"
        case .closedDuringUpgrade: "websocket: the server closed the connection during the upgrade"
        case .timedOut: "websocket: the upgrade took too long"
        case .proxy(let error): "websocket: \(error)"
        }
    }
}
