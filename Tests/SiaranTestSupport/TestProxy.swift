import Foundation

/// SOCKS5 and HTTP CONNECT proxies on loopback for the tests (`Scripts/test_proxy.py`, run from
/// `.venv`): they check the user name and password they were started with, count the tunnels
/// they carried, and relay bytes both ways. The Python process ends with this object.
public final class TestProxy: Sendable {
    public enum Kind: String, Sendable {
        case socks5, http
    }

    /// One tunnel the proxy opened: the target as the proxy saw it, and how it was named
    /// (`ipv4`, `ipv6` or `domain` for SOCKS5, `connect` for HTTP).
    public struct Tunnel: Sendable, Equatable {
        public var target: String
        public var address: String

        public init(target: String, address: String) {
            self.target = target
            self.address = address
        }
    }

    public let kind: Kind
    public let port: Int
    private let peer: PythonPeer

    private init(kind: Kind, port: Int, peer: PythonPeer) {
        self.kind = kind
        self.port = port
        self.peer = peer
    }

    /// Starts a proxy; with a user, it asks for that user name and password.
    public static func start(_ kind: Kind, user: String? = nil, password: String? = nil) async throws -> TestProxy {
        let peer = try PythonPeer(script: "Tests/SiaranTestSupport/Scripts/test_proxy.py")
        var command: [String: Any] = ["cmd": "start", "kind": kind.rawValue]
        if let user { command["user"] = user }
        if let password { command["password"] = password }
        let reply = try await peer.call(command)
        guard let port = reply["port"] as? Int else { throw PythonPeer.PeerError(message: "the test proxy gave no port") }
        return TestProxy(kind: kind, port: port, peer: peer)
    }

    /// The tunnels carried so far and the logins refused.
    public func report() async throws -> (tunnels: [Tunnel], authFailures: Int) {
        let reply = try await peer.call(["cmd": "report", "port": port])
        let tunnels = (reply["tunnels"] as? [[String: Any]] ?? []).map {
            Tunnel(target: $0["target"] as? String ?? "", address: $0["address"] as? String ?? "")
        }
        return (tunnels, reply["auth_failures"] as? Int ?? 0)
    }

    /// The proxy's URL for `whatsapp.proxies` / `ProxyConfiguration(url:)`.
    public func url(scheme: String? = nil, user: String? = nil, password: String? = nil) -> String {
        let credentials = user.map { name in password.map { "\(name):\($0)@" } ?? "\(name)@" } ?? ""
        return "\(scheme ?? kind.rawValue)://\(credentials)127.0.0.1:\(port)"
    }
}
