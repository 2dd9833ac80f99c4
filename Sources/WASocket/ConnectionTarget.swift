import Foundation
import NIOCore
import NIOSSL

/// Where a client connection goes, read from its URL: host, port, the request target and, for
/// the secure scheme, the TLS context. The WebSocket and the media uploads share it, so both
/// address the server, name it in `Host` and check its certificate the same way.
struct ConnectionTarget: Sendable {
    let host: String
    let port: Int
    /// Path and query, `/` when the URL has no path.
    let requestTarget: String
    let sslContext: NIOSSLContext?

    /// nil when `url`'s scheme is neither `plain` nor `secure`, or it names no host.
    init?(_ url: URL, plain: String, secure: String, tls: TLSConfiguration?) throws {
        guard let scheme = url.scheme, scheme == plain || scheme == secure, let host = url.host else { return nil }
        let isSecure = scheme == secure
        self.host = host
        port = url.port ?? (isSecure ? 443 : 80)
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        requestTarget = target
        sslContext = isSecure ? try NIOSSLContext(configuration: tls ?? .makeClientConfiguration()) : nil
    }

    /// The `Host` header: the port only when it is not the scheme's usual one.
    var hostHeader: String { port == 80 || port == 443 ? host : "\(host):\(port)" }

    /// Adds TLS first in `channel`'s pipeline for the secure scheme. SNI takes names only; for an
    /// address literal NIOSSL checks the certificate against the connected address instead.
    func addTLS(to channel: any Channel) throws {
        guard let sslContext else { return }
        let name = (try? SocketAddress(ipAddress: host, port: port)) == nil ? host : nil
        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: name))
    }
}
