/// Why a tunnel through a session's proxy could not be opened. The proxy is named with its
/// password redacted; nothing here ever carries the password.
public struct ProxyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The TCP connection to the proxy itself failed.
        case unreachable(String)
        /// The proxy answered but would not open the tunnel (SOCKS5 reply code, HTTP status).
        case refused(String)
        /// The proxy turned down the user name and password, or asked for some and the URL had none.
        case authenticationFailed(String)
        /// The proxy did not finish its handshake in time.
        case timedOut
        /// The proxy answered something that is not SOCKS5 or HTTP.
        case protocolViolation(String)
        /// `socks5://` resolves the target here; this name did not resolve.
        case cannotResolve(String)
    }

    public var code: Code
    /// The proxy, as `ProxyConfiguration.description` shows it (password redacted).
    public var proxy: String

    public init(_ code: Code, proxy: ProxyConfiguration) {
        self.code = code
        self.proxy = proxy.description
    }

    public var description: String {
        let what: String = switch code {
        case .unreachable(let reason): "cannot connect to the proxy: \(reason)"
        case .refused(let reason): "proxy refused: \(reason)"
        case .authenticationFailed(let detail): detail.isEmpty ? "proxy authentication failed" : "proxy authentication failed (\(detail))"
        case .timedOut: "the proxy did not answer in time"
        case .protocolViolation(let what): "the proxy answered something unexpected: \(what)"
        case .cannotResolve(let host): "cannot resolve \(host) to send it to the proxy (use socks5h:// to let the proxy resolve names)"
        }
        return "\(what) (\(proxy))"
    }
}
