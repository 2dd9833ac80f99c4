import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
import NIOWebSocket

/// A WebSocket server on a local address, for the WhatsApp simulator and the tests that play
/// WhatsApp's server. Each accepted connection appears on `connections`.
public final class WebSocketServer: Sendable {
    /// The port actually bound (useful when started with port 0).
    public let port: Int
    public let connections: AsyncStream<WebSocketConnection>
    private let channel: any Channel

    private init(port: Int, connections: AsyncStream<WebSocketConnection>, channel: any Channel) {
        self.port = port
        self.connections = connections
        self.channel = channel
    }

    /// Binds and starts accepting upgrades on `path` (other paths get 404).
    /// - Parameter tls: serve `wss://` with this context (certificate and key); nil serves `ws://`.
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, path: String = "/ws/chat", tls: NIOSSLContext? = nil
    ) async throws -> WebSocketServer {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let notFound = NotFoundHandler()
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: FrameCodec.maximumFrameSize + 4,
                    shouldUpgrade: { channel, head in
                        let accepted = head.uri.split(separator: "?").first.map(String.init) == path
                        return channel.eventLoop.makeSucceededFuture(accepted ? HTTPHeaders() : nil)
                    },
                    upgradePipelineHandler: { channel, _ in
                        let connection = WebSocketConnection(channel: channel, masks: false)
                        continuation.yield(connection)
                        return channel.eventLoop.makeCompletedFuture {
                            // It speaks HTTP; frames must not reach it.
                            channel.pipeline.syncOperations.removeHandler(notFound, promise: nil)
                            try channel.pipeline.syncOperations.addHandler(
                                NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16, maxAccumulatedFrameSize: 1 << 25)
                            )
                            try channel.pipeline.syncOperations.addHandler(WebSocketMessageHandler(connection: connection))
                        }
                    }
                )
                if let tls {
                    do {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    .flatMapThrowing { try channel.pipeline.syncOperations.addHandler(notFound) }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return WebSocketServer(port: channel.localAddress?.port ?? port, connections: connections, channel: channel)
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Answers every request that was not upgraded (another path, or not a WebSocket request) with
/// 404, so a client learns at once instead of waiting.
private final class NotFoundHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .notFound)
        head.headers.add(name: "Content-Length", value: "0")
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
