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
    /// - Parameter proxy: open the connection through this SOCKS5 or HTTP proxy; TLS and the
    ///   upgrade then run over the tunnel exactly as over a direct connection.
    /// - Parameter compression: offer permessage-deflate (RFC 7692), as both reference clients do;
    ///   used only when the server accepts it.
    public static func connect(
        to url: URL, headers: [(String, String)] = defaultHeaders, tls: TLSConfiguration? = nil,
        proxy: ProxyConfiguration? = nil, compression: Bool = true, timeout: Duration = .seconds(20)
    ) async throws -> WebSocketConnection {
        let timeout = TimeAmount(timeout)
        guard let target = try ConnectionTarget(url, plain: "ws", secure: "wss", tls: tls) else {
            throw WebSocketError(.unsupportedURL(url.absoluteString))
        }
        let host = target.host, port = target.port
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: WebSocketConnection.self)
        var requestHeaders = headers
        if compression { requestHeaders.append(("Sec-WebSocket-Extensions", PerMessageDeflate.clientOffer)) }
        let upgradeHeaders = requestHeaders

        let configure: @Sendable (any Channel) throws -> Void = { channel in
            try target.addTLS(to: channel)
            let requestHandler = UpgradeRequestHandler(hostHeader: target.hostHeader, path: target.requestTarget, headers: upgradeHeaders, promise: promise)
            let upgrader = NIOWebSocketClientUpgrader(
                maxFrameSize: FrameCodec.maximumFrameSize + 4,
                upgradePipelineHandler: { channel, response in
                    channel.eventLoop.makeCompletedFuture {
                        // Only what we offered may be accepted; anything else ends the connection.
                        let agreed = compression
                            ? try PerMessageDeflate.accepted(by: response.headers["Sec-WebSocket-Extensions"].first)
                            : nil
                        if !compression, !response.headers["Sec-WebSocket-Extensions"].isEmpty {
                            throw WebSocketError(.connectionFailed("the server answered with extensions we did not offer"))
                        }
                        let connection = WebSocketConnection(channel: channel, masks: true, compression: agreed, proxy: proxy)
                        // The request handler speaks HTTP; frames must not reach it.
                        channel.pipeline.syncOperations.removeHandler(requestHandler, promise: nil)
                        try channel.pipeline.syncOperations.addMessageHandlers(connection: connection, role: .client)
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
        let channel: any Channel
        do {
            channel = try await ProxyTunnel.open(host: host, port: port, proxy: proxy, timeout: timeout, configure: configure)
        } catch let error as ProxyError {
            promise.fail(error)
            throw WebSocketError(.proxy(error))
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
        do {
            return try await promise.futureResult.get()
        } catch {
            // A refused or failed upgrade must not leave the socket (or the proxy's tunnel) open.
            try? await channel.close()
            throw error
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// After the upgrade: whole messages into the connection, through permessage-deflate when
    /// it was agreed (which joins fragments itself), else through NIO's aggregator.
    func addMessageHandlers(connection: WebSocketConnection, role: PerMessageDeflateHandler.Role) throws {
        if let agreed = connection.compression {
            guard let deflate = PerMessageDeflateHandler(agreed: agreed, role: role) else {
                throw WebSocketError(.connectionFailed("permessage-deflate: zlib could not start"))
            }
            try addHandler(deflate)
        } else {
            try addHandler(NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16, maxAccumulatedFrameSize: 1 << 25))
        }
        try addHandler(WebSocketMessageHandler(connection: connection))
    }
}

/// Sends the HTTP upgrade request once the connection is up, and reports upgrade failures.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let hostHeader: String
    let path: String
    let headers: [(String, String)]
    let promise: EventLoopPromise<WebSocketConnection>

    init(hostHeader: String, path: String, headers: [(String, String)], promise: EventLoopPromise<WebSocketConnection>) {
        self.hostHeader = hostHeader
        self.path = path
        self.headers = headers
        self.promise = promise
    }

    /// Added behind a proxy tunnel, the channel is already active: send at once.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
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
