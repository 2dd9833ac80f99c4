import Foundation

/// The client side of a proxy handshake, with no I/O: SOCKS5 (RFC 1928) with user name and
/// password (RFC 1929), or HTTP `CONNECT` with `Proxy-Authorization: Basic`. `ProxyTunnel` only
/// carries its bytes.
struct ProxyHandshake {
    /// Where the tunnel should lead: a name (the proxy resolves it) or an address.
    enum Target: Equatable {
        case name(String, port: Int)
        case ipv4([UInt8], port: Int)
        case ipv6([UInt8], port: Int)

        var port: Int {
            switch self {
            case .name(_, let port), .ipv4(_, let port), .ipv6(_, let port): port
            }
        }

        /// An address literal as bytes, else the name.
        init(host: String, port: Int) {
            var v4 = in_addr(), v6 = in6_addr()
            if inet_pton(AF_INET, host, &v4) == 1 {
                self = .ipv4(withUnsafeBytes(of: &v4) { Array($0) }, port: port)
            } else if inet_pton(AF_INET6, host, &v6) == 1 {
                self = .ipv6(withUnsafeBytes(of: &v6) { Array($0) }, port: port)
            } else {
                self = .name(host, port: port)
            }
        }
    }

    enum Step: Equatable {
        /// Write these bytes to the proxy, then wait for its answer.
        case send([UInt8])
        /// Wait for more bytes from the proxy.
        case needMore
        /// The tunnel is open; `leftover` already belongs to the tunnelled stream.
        case established(leftover: [UInt8])
        case failed(ProxyError)
    }

    private enum State {
        case socksMethod, socksAuthentication, socksConnect, httpConnect, done
    }

    /// The longest CONNECT answer head we read before calling it a protocol violation.
    static let maximumHTTPHead = 16 * 1024

    let proxy: ProxyConfiguration
    let target: Target
    /// The name the HTTP CONNECT line carries (HTTP proxies always resolve the target themselves).
    let targetName: String
    private var state: State
    private var buffer: [UInt8] = []

    init(proxy: ProxyConfiguration, target: Target, targetName: String) {
        self.proxy = proxy
        self.target = target
        self.targetName = targetName
        state = proxy.kind == .http ? .httpConnect : .socksMethod
    }

    /// The first bytes to send once connected to the proxy.
    func greeting() -> [UInt8] {
        switch proxy.kind {
        case .http:
            let authority = targetName.contains(":") ? "[\(targetName)]:\(target.port)" : "\(targetName):\(target.port)"
            var head = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
            if let username = proxy.username {
                let token = Data("\(username):\(proxy.password ?? "")".utf8).base64EncodedString()
                head += "Proxy-Authorization: Basic \(token)\r\n"
            }
            head += "\r\n"
            return Array(head.utf8)
        case .socks5, .socks5h:
            // Offer "no authentication" always, and user/password (2) when we have credentials.
            return proxy.username == nil ? [5, 1, 0] : [5, 2, 0, 2]
        }
    }

    /// Takes bytes the proxy sent (or none, after a `.send`) and says what to do next.
    mutating func receive(_ bytes: [UInt8]) -> Step {
        buffer += bytes
        switch state {
        case .done:
            return .needMore
        case .httpConnect:
            return httpAnswer()
        case .socksMethod:
            guard buffer.count >= 2 else { return .needMore }
            let (version, method) = (buffer[0], buffer[1])
            buffer.removeFirst(2)
            guard version == 5 else { return fail(.protocolViolation("not a SOCKS5 server (version \(version))")) }
            switch method {
            case 0:
                state = .socksConnect
                return .send(connectRequest())
            case 2 where proxy.username != nil:
                let user = Array((proxy.username ?? "").utf8), password = Array((proxy.password ?? "").utf8)
                state = .socksAuthentication
                return .send([1, UInt8(user.count)] + user + [UInt8(password.count)] + password)
            case 0xFF where proxy.username == nil:
                return fail(.authenticationFailed("the proxy asks for a user name and password; put them in the proxy URL"))
            default:
                return fail(.refused("it accepts none of the ways to log in that Siaran offers"))
            }
        case .socksAuthentication:
            guard buffer.count >= 2 else { return .needMore }
            let status = buffer[1]
            buffer.removeFirst(2)
            guard status == 0 else { return fail(.authenticationFailed("")) }
            state = .socksConnect
            return .send(connectRequest())
        case .socksConnect:
            return socksReply()
        }
    }

    private func connectRequest() -> [UInt8] {
        let port = UInt16(clamping: target.port)
        let address: [UInt8] = switch target {
        case .ipv4(let bytes, _): [1] + bytes
        case .ipv6(let bytes, _): [4] + bytes
        case .name(let name, _): [3, UInt8(clamping: name.utf8.count)] + Array(name.utf8.prefix(255))
        }
        return [5, 1, 0] + address + [UInt8(port >> 8), UInt8(port & 0xFF)]
    }

    private mutating func socksReply() -> Step {
        guard buffer.count >= 5 else { return .needMore }
        guard buffer[0] == 5 else { return fail(.protocolViolation("not a SOCKS5 reply (version \(buffer[0]))")) }
        guard buffer[1] == 0 else { return fail(.refused(Self.socksReplyText(buffer[1]))) }
        let addressLength: Int
        switch buffer[3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(buffer[4])
        default: return fail(.protocolViolation("SOCKS5 reply with address type \(buffer[3])"))
        }
        let length = 4 + addressLength + 2
        guard buffer.count >= length else { return .needMore }
        state = .done
        return .established(leftover: Array(buffer[length...]))
    }

    private mutating func httpAnswer() -> Step {
        let end: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = buffer.firstRange(of: end) else {
            return buffer.count > Self.maximumHTTPHead ? fail(.protocolViolation("an HTTP answer head longer than 16 KB")) : .needMore
        }
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return fail(.protocolViolation("not an HTTP answer to CONNECT"))
        }
        let reason = parts.count == 3 ? " \(parts[2].prefix(80))" : ""
        switch status {
        case 200..<300:
            state = .done
            return .established(leftover: Array(buffer[headEnd.upperBound...]))
        case 407:
            return fail(.authenticationFailed(proxy.username == nil ? "the proxy asks for a user name and password; put them in the proxy URL" : ""))
        default:
            return fail(.refused("HTTP \(status)\(reason)"))
        }
    }

    private mutating func fail(_ code: ProxyError.Code) -> Step {
        state = .done
        return .failed(ProxyError(code, proxy: proxy))
    }

    /// RFC 1928 §6 reply codes, in words.
    static func socksReplyText(_ code: UInt8) -> String {
        switch code {
        case 1: "general SOCKS server failure"
        case 2: "connection not allowed by the proxy's rules"
        case 3: "network unreachable"
        case 4: "host unreachable"
        case 5: "connection refused by the target"
        case 6: "TTL expired"
        case 7: "command not supported"
        case 8: "address type not supported"
        default: "SOCKS5 reply code \(code)"
        }
    }
}
