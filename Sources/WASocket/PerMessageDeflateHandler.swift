import NIOCore
import NIOWebSocket

/// Where permessage-deflate was agreed, this takes the place of NIO's frame aggregator: it joins
/// fragments into whole messages (RSV1 sits on the first fragment only, which NIO's aggregator
/// drops), inflates those marked compressed, and compresses every data message we send.
/// It runs on the channel's event loop, so messages are compressed in the order they go out, as
/// a shared compression context requires.
final class PerMessageDeflateHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    enum Role {
        case client, server
    }

    /// Whole messages larger than this close the connection (as the aggregator's limit does).
    static let maximumMessageSize = 1 << 25

    private let role: Role
    private let deflater: MessageDeflater?
    private let inflater: MessageInflater
    /// The message being joined: its opcode, whether it is compressed, and its bytes so far.
    private var partial: (opcode: WebSocketOpcode, compressed: Bool, bytes: [UInt8])?

    /// - Parameter role: which side we are; `client_*` parameters are ours as a client.
    init?(agreed: PerMessageDeflate, role: Role) {
        self.role = role
        let ourBits = role == .client ? agreed.clientMaxWindowBits : agreed.serverMaxWindowBits
        let ourReset = role == .client ? agreed.clientNoContextTakeover : agreed.serverNoContextTakeover
        let theirReset = role == .client ? agreed.serverNoContextTakeover : agreed.clientNoContextTakeover
        // zlib cannot deflate within an 8-bit window; sending uncompressed is always allowed.
        deflater = ourBits >= 9 ? MessageDeflater(windowBits: ourBits, resetsEachMessage: ourReset) : nil
        guard let inflater = MessageInflater(resetsEachMessage: theirReset, limit: Self.maximumMessageSize) else { return nil }
        self.inflater = inflater
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .connectionClose || frame.opcode == .ping || frame.opcode == .pong {
            context.fireChannelRead(data)
            return
        }
        var payload = frame.unmaskedData
        let bytes = payload.readBytes(length: payload.readableBytes) ?? []
        if frame.opcode == .continuation {
            guard partial != nil else { return fail(context, "a continuation frame without a message") }
            partial!.bytes += bytes
        } else {
            guard partial == nil else { return fail(context, "a new message before the last one ended") }
            partial = (frame.opcode, frame.rsv1, bytes)
        }
        guard partial!.bytes.count <= Self.maximumMessageSize else { return fail(context, "a message over 32 MB") }
        guard frame.fin, let message = partial else { return }
        partial = nil
        var whole = message.bytes
        if message.compressed {
            do {
                whole = try inflater.inflate(message.bytes)
            } catch {
                return fail(context, "a compressed message that does not inflate")
            }
        }
        let out = WebSocketFrame(fin: true, opcode: message.opcode, data: context.channel.allocator.buffer(bytes: whole))
        context.fireChannelRead(wrapInboundOut(out))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        guard let deflater, frame.fin, frame.opcode == .binary || frame.opcode == .text else {
            context.write(data, promise: promise)
            return
        }
        var payload = frame.data
        let compressed = deflater.compress(payload.readBytes(length: payload.readableBytes) ?? [])
        let out = WebSocketFrame(fin: true, rsv1: true, opcode: frame.opcode, maskKey: frame.maskKey,
                                 data: context.channel.allocator.buffer(bytes: compressed))
        context.write(wrapOutboundOut(out), promise: promise)
    }

    /// Closes with 1007 (invalid payload) or 1009 (too big), as RFC 6455 asks.
    private func fail(_ context: ChannelHandlerContext, _ what: String) {
        partial = nil
        var body = context.channel.allocator.buffer(capacity: 2)
        body.write(webSocketErrorCode: what.contains("32 MB") ? .messageTooLarge : .dataInconsistentWithMessage)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: role == .client ? .random() : nil, data: body)
        context.writeAndFlush(wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        context.fireErrorCaught(WebSocketError(.connectionFailed("permessage-deflate: \(what)")))
    }
}
