public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
import NIOWebSocket

/// Opens a WebSocket to WhatsApp (or the simulator): `wss://` through swift-nio-ssl, `ws://` for
/// local servers. The upgrade request carries `Origin: https://web.whatsapp.com`, as both
/// reference libraries send it.
public enum WebSocketClient {
    public static let defaultHeaders: [(String, String)] = [
        ("Origin", "https://web.whatsapp.com"), ("Cache-Control", "no-cache"), ("Pragma", "no-cache"),
    ]

    /// Connects and completes the WebSocket upgrade; failures are `WebSocketError`s.
    /// - Parameter tls: used for `wss://`; nil takes the system's default trust roots.
    public static func connect(
        to url: URL, headers: [(String, String)] = defaultHeaders, tls: TLSConfiguration? = nil,
        timeout: Duration = .seconds(20)
    ) async throws -> WebSocketConnection {
        let timeout = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        guard let scheme = url.scheme, scheme == "ws" || scheme == "wss", let host = url.host else {
            throw WebSocketError(.unsupportedURL(url.absoluteString))
        }
        let secure = scheme == "wss"
        let port = url.port ?? (secure ? 443 : 80)
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        let sslContext = secure ? try NIOSSLContext(configuration: tls ?? .makeClientConfiguration()) : nil
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: WebSocketConnection.self)
        let requestPath = path

        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        // SNI takes names only; for an address literal NIOSSL checks the certificate
                        // against the connected address instead.
                        let name = (try? SocketAddress(ipAddress: host, port: port)) == nil ? host : nil
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: name))
                    }
                    let requestHandler = UpgradeRequestHandler(host: host, port: port, path: requestPath, headers: headers, promise: promise)
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: FrameCodec.maximumFrameSize + 4,
                        upgradePipelineHandler: { channel, _ in
                            let connection = WebSocketConnection(channel: channel, masks: true)
                            return channel.eventLoop.makeCompletedFuture {
                                // The request handler speaks HTTP; frames must not reach it.
                                channel.pipeline.syncOperations.removeHandler(requestHandler, promise: nil)
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16, maxAccumulatedFrameSize: 1 << 25)
                                )
                                try channel.pipeline.syncOperations.addHandler(WebSocketMessageHandler(connection: connection))
                                promise.succeed(connection)
                            }
                        }
                    )
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(requestHandler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw WebSocketError(.cannotConnect(host: host, port: port, reason: "\(error)"))
        }
        channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(WebSocketError(.timedOut))
        }
        channel.closeFuture.whenComplete { _ in
            promise.fail(WebSocketError(.closedDuringUpgrade))
        }
        return try await promise.futureResult.get()
    }
}

/// Sends the HTTP upgrade request once the connection is up, and reports upgrade failures.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let host: String
    let port: Int
    let path: String
    let headers: [(String, String)]
    let promise: EventLoopPromise<WebSocketConnection>

    init(host: String, port: Int, path: String, headers: [(String, String)], promise: EventLoopPromise<WebSocketConnection>) {
        self.host = host
        self.port = port
        self.path = path
        self.headers = headers
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: port == 80 || port == 443 ? host : "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only reached when the server answered without upgrading.
        if case .head(let response) = unwrapInboundIn(data) {
            promise.fail(WebSocketError(.upgradeRefused(status: Int(response.status.code))))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(WebSocketError(.connectionFailed("\(error)")))
        context.close(promise: nil)
    }
}
