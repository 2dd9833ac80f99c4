public import Foundation
import NIOCore
import NIOWebSocket

/// One WebSocket connection carrying binary messages, client or server side.
///
/// Incoming binary messages arrive on `messages`; the stream finishes when the peer closes or the
/// connection fails. Text messages are ignored, as whatsmeow does.
public final class WebSocketConnection: Sendable {
    public let messages: AsyncStream<Data>
    let continuation: AsyncStream<Data>.Continuation
    private let channel: any Channel
    /// Whether this side masks frames (clients must, servers must not).
    private let masks: Bool
    /// The permessage-deflate parameters both sides agreed on; nil when messages go uncompressed.
    public let compression: PerMessageDeflate?
    /// The proxy this connection goes through (client side); the session's media uploads take
    /// the same path.
    public let proxy: ProxyConfiguration?

    init(channel: any Channel, masks: Bool, compression: PerMessageDeflate? = nil, proxy: ProxyConfiguration? = nil) {
        self.channel = channel
        self.masks = masks
        self.compression = compression
        self.proxy = proxy
        (messages, continuation) = AsyncStream.makeStream(of: Data.self, bufferingPolicy: .unbounded)
    }

    /// Sends one binary message.
    public func send(_ data: Data) async throws {
        try await enqueue(data).get()
    }

    /// Queues one binary message on the channel now, without suspending: messages queued one
    /// after the other go out in that order. The future completes once it is written.
    func enqueue(_ data: Data) -> EventLoopFuture<Void> {
        let buffer = channel.allocator.buffer(bytes: data)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: masks ? .random() : nil, data: buffer)
        return channel.writeAndFlush(frame)
    }

    /// Sends a close frame and closes the connection.
    public func close() async {
        var buffer = channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks ? .random() : nil, data: buffer)
        try? await channel.writeAndFlush(frame)
        try? await channel.close()
    }

    public var isOpen: Bool { channel.isActive }
}

/// Turns WebSocket frames into `WebSocketConnection.messages`; answers pings; closes on close.
final class WebSocketMessageHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let connection: WebSocketConnection

    init(connection: WebSocketConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            var payload = frame.unmaskedData
            connection.continuation.yield(Data(payload.readBytes(length: payload.readableBytes) ?? []))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: frame.maskKey == nil ? .random() : nil, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            connection.continuation.finish()
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.continuation.finish()
        context.close(promise: nil)
    }
}
