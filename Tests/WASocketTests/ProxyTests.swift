import Foundation
import SiaranTestSupport
import Testing
@testable import WASocket

/// Proxy URLs, the SOCKS5 and HTTP CONNECT handshakes byte by byte, and WebSockets and uploads
/// through a real proxy on loopback (`TestProxy`, Python asyncio) that counts its tunnels.
@Suite("Proxies")
struct ProxyTests {
    // MARK: URLs

    @Test("proxy URLs of every kind parse, with and without credentials")
    func parses() throws {
        #expect(try ProxyConfiguration(url: "socks5://user:pa%3Ass@proxy.example:1080")
            == ProxyConfiguration(kind: .socks5, host: "proxy.example", port: 1080, username: "user", password: "pa:ss"))
        #expect(try ProxyConfiguration(url: "socks5h://10.0.0.1:9050/") == ProxyConfiguration(kind: .socks5h, host: "10.0.0.1", port: 9050))
        #expect(try ProxyConfiguration(url: "HTTP://u@[::1]:3128") == ProxyConfiguration(kind: .http, host: "::1", port: 3128, username: "u"))
    }

    @Test("bad proxy URLs say why, and never repeat the password", arguments: [
        ("ftp://h:21", "uses the scheme 'ftp'"),
        ("proxy.example:1080", "is not a proxy URL"),
        ("socks5://user:rahasia@proxy.example", "needs a port"),
        ("socks5://user:rahasia@proxy.example:99999", "no valid port"),
        ("socks5://user:rahasia", "no valid port"),
        ("http://:rahasia@proxy.example:3128", "has a password but no user name"),
        ("http://proxy.example:3128/path", "without a path"),
        ("socks5://:1080", "has no host name"),
        ("socks5://@proxy.example:1080", "without a user name"),
    ])
    func rejects(url: String, reason: String) {
        do {
            _ = try ProxyConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(!error.reason.contains("rahasia"))
        }
    }

    @Test("the password is redacted in descriptions, debug output and dumps")
    func redacts() throws {
        let proxy = try ProxyConfiguration(url: "socks5://agen:rahasia@proxy.example:1080")
        #expect(proxy.description == "socks5://agen:***@proxy.example:1080")
        #expect(String(reflecting: proxy) == proxy.description)
        var dumped = ""
        dump(proxy, to: &dumped)
        #expect(!dumped.contains("rahasia"))
        #expect(!"\(ProxyError(.authenticationFailed(""), proxy: proxy))".contains("rahasia"))
    }

    // MARK: Handshakes without sockets

    @Test("SOCKS5 with user and password: greeting, RFC 1929 login, CONNECT by name, reply")
    func socks5Bytes() throws {
        let proxy = ProxyConfiguration(kind: .socks5h, host: "p", port: 1080, username: "ab", password: "xyz")
        var handshake = ProxyHandshake(proxy: proxy, target: .name("wa.example", port: 443), targetName: "wa.example")
        #expect(handshake.greeting() == [5, 2, 0, 2])
        #expect(handshake.receive([5]) == .needMore)
        #expect(handshake.receive([2]) == .send([1, 2, 97, 98, 3, 120, 121, 122]))
        #expect(handshake.receive([1, 0]) == .send([5, 1, 0, 3, 10] + Array("wa.example".utf8) + [1, 187]))
        #expect(handshake.receive([5, 0, 0, 1, 127, 0, 0, 1, 0x04]) == .needMore)
        #expect(handshake.receive([0x38, 0x16, 0x03]) == .established(leftover: [0x16, 0x03]))
    }

    @Test("SOCKS5 failures in plain words: a refused login, a refused CONNECT, a proxy that wants a login")
    func socks5Failures() {
        let proxy = ProxyConfiguration(kind: .socks5, host: "p", port: 1080, username: "ab", password: "xyz")
        var wrongPassword = ProxyHandshake(proxy: proxy, target: .ipv4([127, 0, 0, 1], port: 80), targetName: "127.0.0.1")
        _ = wrongPassword.receive([5, 2])
        #expect(wrongPassword.receive([1, 1]) == .failed(ProxyError(.authenticationFailed(""), proxy: proxy)))

        var refused = ProxyHandshake(proxy: proxy, target: .ipv4([127, 0, 0, 1], port: 80), targetName: "127.0.0.1")
        #expect(refused.receive([5, 0]) == .send([5, 1, 0, 1, 127, 0, 0, 1, 0, 80]))
        guard case .failed(let error) = refused.receive([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]) else { Issue.record("not failed"); return }
        #expect(error.description == "proxy refused: connection refused by the target (socks5://ab:***@p:1080)")

        var anonymous = ProxyHandshake(proxy: ProxyConfiguration(kind: .socks5, host: "p", port: 1080), target: .name("h", port: 1), targetName: "h")
        #expect(anonymous.greeting() == [5, 1, 0])
        guard case .failed(let asked) = anonymous.receive([5, 0xFF]), case .authenticationFailed = asked.code else {
            Issue.record("a proxy that wants a login must fail as authentication"); return
        }
    }

    @Test("HTTP CONNECT carries Basic credentials; 407 is an authentication failure, 403 a refusal")
    func connectBytes() {
        let proxy = ProxyConfiguration(kind: .http, host: "p", port: 3128, username: "ab", password: "xyz")
        var handshake = ProxyHandshake(proxy: proxy, target: .name("mmg.example", port: 443), targetName: "mmg.example")
        #expect(String(decoding: handshake.greeting(), as: UTF8.self)
            == "CONNECT mmg.example:443 HTTP/1.1\r\nHost: mmg.example:443\r\nProxy-Authorization: Basic YWI6eHl6\r\n\r\n")
        #expect(handshake.receive(Array("HTTP/1.1 200 Connection established\r\n".utf8)) == .needMore)
        #expect(handshake.receive(Array("\r\nXY".utf8)) == .established(leftover: Array("XY".utf8)))

        var denied = ProxyHandshake(proxy: proxy, target: .name("h", port: 1), targetName: "h")
        #expect(denied.receive(Array("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n".utf8))
            == .failed(ProxyError(.authenticationFailed(""), proxy: proxy)))
        var forbidden = ProxyHandshake(proxy: proxy, target: .name("h", port: 1), targetName: "h")
        #expect(forbidden.receive(Array("HTTP/1.1 403 Forbidden\r\n\r\n".utf8)) == .failed(ProxyError(.refused("HTTP 403 Forbidden"), proxy: proxy)))
    }

    // MARK: Through a real proxy

    /// An echo WebSocket server; returns it and a task that echoes every message back.
    static func echoServer(perMessageDeflate: Bool = false) async throws -> (WebSocketServer, Task<Void, Never>) {
        let server = try await WebSocketServer.start(perMessageDeflate: perMessageDeflate) { request in
            WebSocketServer.HTTPResponse(status: 200, body: Data("{\"got\":\(request.body.count)}".utf8))
        }
        let echo = Task {
            for await connection in server.connections {
                Task { for await message in connection.messages { try? await connection.send(message) } }
            }
        }
        return (server, echo)
    }

    @Test("a WebSocket goes through each kind of proxy, which saw the tunnel", .timeLimit(.minutes(2)), arguments: [
        ("socks5", TestProxy.Kind.socks5, "ipv4"), ("socks5h", .socks5, "domain"), ("http", .http, "connect"),
    ])
    func webSocketThroughProxy(scheme: String, kind: TestProxy.Kind, address: String) async throws {
        let (server, echo) = try await Self.echoServer()
        defer { echo.cancel(); Task { await server.close() } }
        let proxy = try await TestProxy.start(kind, user: "agen", password: "rahasia")
        let configuration = try ProxyConfiguration(url: proxy.url(scheme: scheme, user: "agen", password: "rahasia"))
        // By name, so socks5 resolves it here and socks5h hands the name to the proxy.
        let connection = try await WebSocketClient.connect(to: URL(string: "ws://localhost:\(server.port)/ws/chat")!, proxy: configuration,
                                                          timeout: .seconds(20))
        #expect(connection.proxy == configuration)
        var messages = connection.messages.makeAsyncIterator()
        try await connection.send(Data("lewat proxy".utf8))
        #expect(await messages.next() == Data("lewat proxy".utf8))
        await connection.close()
        let report = try await proxy.report()
        // socks5 resolved the name here; socks5h and HTTP handed it to the proxy.
        let target = address == "ipv4" ? "127.0.0.1:\(server.port)" : "localhost:\(server.port)"
        #expect(report.tunnels == [TestProxy.Tunnel(target: target, address: address)])
        #expect(report.authFailures == 0)
    }

    @Test("a wrong password fails with the plain error, without the password", .timeLimit(.minutes(2)),
          arguments: [TestProxy.Kind.socks5, .http])
    func wrongPassword(kind: TestProxy.Kind) async throws {
        let (server, echo) = try await Self.echoServer()
        defer { echo.cancel(); Task { await server.close() } }
        let proxy = try await TestProxy.start(kind, user: "agen", password: "rahasia")
        let configuration = try ProxyConfiguration(url: proxy.url(user: "agen", password: "salah-sandi"))
        do {
            _ = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:\(server.port)/ws/chat")!, proxy: configuration, timeout: .seconds(20))
            Issue.record("connected with a wrong password")
        } catch let error as WebSocketError {
            guard case .proxy(let proxyError) = error.code, case .authenticationFailed = proxyError.code else {
                Issue.record("not an authentication failure: \(error)"); return
            }
            #expect("\(error)".contains("proxy authentication failed"))
            #expect(!"\(error)".contains("salah-sandi"))
        }
        let report = try await proxy.report()
        #expect(report.tunnels.isEmpty && report.authFailures == 1)
    }

    @Test("a proxy that is not there is a clear error naming it", .timeLimit(.minutes(2)))
    func proxyDown() async throws {
        let configuration = ProxyConfiguration(kind: .socks5, host: "127.0.0.1", port: 1, username: "agen", password: "rahasia")
        do {
            _ = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:9/ws/chat")!, proxy: configuration, timeout: .seconds(10))
            Issue.record("connected through no proxy")
        } catch {
            #expect("\(error)".contains("cannot connect to the proxy"))
            #expect("\(error)".contains("socks5://agen:***@127.0.0.1:1"))
            #expect(!"\(error)".contains("rahasia"))
        }
    }

    @Test("a proxy that takes the connection but never answers times out with a plain error", .timeLimit(.minutes(2)))
    func silentProxy() async throws {
        // A listening socket nobody accepts from: the kernel completes the TCP handshake, then silence.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        for kind in [ProxyConfiguration.Kind.socks5h, .http] {
            do {
                _ = try await WebSocketClient.connect(to: URL(string: "ws://127.0.0.1:9/ws/chat")!,
                                                     proxy: ProxyConfiguration(kind: kind, host: "127.0.0.1", port: port), timeout: .seconds(1))
                Issue.record("connected through a silent proxy")
            } catch let error as WebSocketError {
                #expect(error.code == .proxy(ProxyError(.timedOut, proxy: ProxyConfiguration(kind: kind, host: "127.0.0.1", port: port))))
                #expect("\(error)".contains("the proxy did not answer in time"))
            }
        }
    }

    @Test("an HTTP upload goes through the proxy's tunnel too", .timeLimit(.minutes(2)), arguments: [TestProxy.Kind.socks5, .http])
    func uploadThroughProxy(kind: TestProxy.Kind) async throws {
        let (server, echo) = try await Self.echoServer()
        defer { echo.cancel(); Task { await server.close() } }
        let proxy = try await TestProxy.start(kind, user: "agen", password: "rahasia")
        let configuration = try ProxyConfiguration(url: proxy.url(user: "agen", password: "rahasia"))
        let response = try await HTTPUpload.post(URL(string: "http://127.0.0.1:\(server.port)/mms/image/abc?auth=x")!,
                                                 headers: [("Content-Type", "application/octet-stream")],
                                                 body: Data(repeating: 9, count: 70_000), proxy: configuration, timeout: .seconds(30))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"got\":70000}")
        #expect(try await proxy.report().tunnels.map(\.target) == ["127.0.0.1:\(server.port)"])
    }
}
