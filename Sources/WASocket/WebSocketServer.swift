public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
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
    public static func start(host: String = "127.0.0.1", port: Int = 0, path: String = "/ws/chat") async throws -> WebSocketServer {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
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
                            try channel.pipeline.syncOperations.addHandler(
                                NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16, maxAccumulatedFrameSize: 1 << 25)
                            )
                            try channel.pipeline.syncOperations.addHandler(WebSocketMessageHandler(connection: connection))
                        }
                    }
                )
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return WebSocketServer(port: channel.localAddress?.port ?? port, connections: connections, channel: channel)
    }

    public func close() async {
        try? await channel.close()
    }
}
