public import Foundation

/// A proxy one session's traffic goes through (its WebSocket and its media uploads), so each
/// number keeps a stable network path: `socks5://user:pass@host:1080`, `socks5h://…`, `http://host:3128`.
///
/// The password never appears in `description` or in any error: logs show `user:***@host:port`.
public struct ProxyConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// SOCKS5 (RFC 1928); Siaran resolves the target's name itself and hands the proxy an address.
        case socks5
        /// SOCKS5 with the target's name handed to the proxy, which resolves it (no DNS on this machine).
        case socks5h
        /// An HTTP proxy that opens tunnels with `CONNECT host:port`.
        case http
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(kind: Kind, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Parses a proxy URL; the error says why in plain words and never repeats the password.
    public init(url text: String) throws(ProxyURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw ProxyURLError("is not a proxy URL (write socks5://host:port, socks5h://host:port or http://host:port)")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard let kind = Kind(rawValue: scheme) else {
            throw ProxyURLError("uses the scheme '\(scheme)'; Siaran speaks socks5, socks5h and http proxies")
        }
        var rest = Substring(trimmed[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw ProxyURLError("must be only scheme://[user:password@]host:port, without a path")
        }
        var username: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = String(parts[0]).removingPercentEncoding
            password = parts.count == 2 ? String(parts[1]).removingPercentEncoding : nil
            guard let name = username, !name.isEmpty else {
                throw ProxyURLError(password == nil ? "has an '@' without a user name before it" : "has a password but no user name")
            }
            if kind != .http, name.utf8.count > 255 || (password?.utf8.count ?? 0) > 255 {
                throw ProxyURLError("has a user name or password longer than SOCKS5 allows (255 bytes)")
            }
        }
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ProxyURLError("has an IPv6 address without its closing ']'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw ProxyURLError("needs a port after the address (host:port)") }
            portText = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw ProxyURLError("needs a port (host:port, e.g. \(kind == .http ? "3128" : "1080"))") }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ProxyURLError("has no host name") }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            // The text is not repeated: in a mistyped URL it may be a password.
            throw ProxyURLError("has no valid port after the host (a number from 1 to 65535)")
        }
        self.init(kind: kind, host: String(host), port: port, username: username, password: password)
    }

    /// The URL with the password replaced by `***`: safe for logs, errors and status pages.
    public var description: String {
        let credentials = username.map { name in password == nil ? "\(name)@" : "\(name):***@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(kind.rawValue)://\(credentials)\(shownHost):\(port)"
    }

    public var debugDescription: String { description }

    /// `dump()` and reflection show the redacted URL too, never the password field.
    public var customMirror: Mirror { Mirror(self, children: ["url": description]) }
}

/// Why a proxy URL could not be used; the message fits after "the proxy URL …" and names no secret.
public struct ProxyURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
