public import Foundation
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

    /// A plain HTTP request that was not a WebSocket upgrade (the simulator's media uploads).
    public struct HTTPRequest: Sendable {
        public var method: String
        /// Path with query, as sent (`/mms/image/…?auth=…`).
        public var uri: String
        public var headers: [(String, String)]
        public var body: Data
    }

    public struct HTTPResponse: Sendable {
        public var status: Int
        public var body: Data
        public var contentType: String

        public init(status: Int, body: Data = Data(), contentType: String = "application/json") {
            self.status = status
            self.body = body
            self.contentType = contentType
        }
    }

    public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// Binds and starts accepting upgrades on `path`. Other requests go to `http`, or get 404.
    /// - Parameter tls: serve `wss://` with this context (certificate and key); nil serves `ws://`.
    /// - Parameter perMessageDeflate: accept a client's permessage-deflate offer (RFC 7692, with
    ///   context takeover both ways and 15-bit windows); off, offers are ignored as a server may.
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, path: String = "/ws/chat", tls: NIOSSLContext? = nil,
        perMessageDeflate: Bool = false, http: HTTPHandler? = nil
    ) async throws -> WebSocketServer {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let notFound = PlainHTTPHandler(handler: http)
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: FrameCodec.maximumFrameSize + 4,
                    shouldUpgrade: { channel, head in
                        let accepted = head.uri.split(separator: "?").first.map(String.init) == path
                        var headers = HTTPHeaders()
                        if perMessageDeflate, PerMessageDeflate.offered(in: head.headers["Sec-WebSocket-Extensions"].joined(separator: ",")) {
                            headers.add(name: "Sec-WebSocket-Extensions", value: "permessage-deflate")
                        }
                        return channel.eventLoop.makeSucceededFuture(accepted ? headers : nil)
                    },
                    upgradePipelineHandler: { channel, head in
                        let offered = PerMessageDeflate.offered(in: head.headers["Sec-WebSocket-Extensions"].joined(separator: ","))
                        let connection = WebSocketConnection(channel: channel, masks: false,
                                                             compression: perMessageDeflate && offered ? PerMessageDeflate() : nil)
                        continuation.yield(connection)
                        return channel.eventLoop.makeCompletedFuture {
                            // It speaks HTTP; frames must not reach it.
                            channel.pipeline.syncOperations.removeHandler(notFound, promise: nil)
                            try channel.pipeline.syncOperations.addMessageHandlers(connection: connection, role: .server)
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

/// Answers every request that was not upgraded (another path, or not a WebSocket request): with
/// the server's HTTP handler when it has one, else 404, so a client learns at once.
private final class PlainHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Uploads larger than this are refused (WhatsApp's own media limits are far below).
    static let maximumBody = 64 << 20

    let handler: WebSocketServer.HTTPHandler?
    // Touched only on the channel's event loop.
    private var head: HTTPRequestHead?
    private var body = Data()

    init(handler: WebSocketServer.HTTPHandler?) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = Data()
        case .body(var buffer):
            if body.count + buffer.readableBytes <= Self.maximumBody, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let handler, let head else {
                respond(context: context, WebSocketServer.HTTPResponse(status: 404))
                return
            }
            let request = WebSocketServer.HTTPRequest(method: head.method.rawValue, uri: head.uri,
                                                      headers: head.headers.map { ($0.name, $0.value) }, body: body)
            let loop = context.eventLoop
            let box = NIOLoopBound(context, eventLoop: loop)
            Task {
                let response = await handler(request)
                loop.execute { self.respond(context: box.value, response) }
            }
        }
    }

    private func respond(context: ChannelHandlerContext, _ response: WebSocketServer.HTTPResponse) {
        var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status))
        head.headers.add(name: "Content-Length", value: String(response.body.count))
        head.headers.add(name: "Content-Type", value: response.contentType)
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
