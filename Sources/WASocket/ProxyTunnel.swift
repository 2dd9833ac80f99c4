import Foundation
import NIOCore
import NIOPosix

/// Opens a TCP connection to `host:port`, straight or through a session's proxy, and hands the
/// channel to `configure` once bytes flow to the target, so TLS and HTTP go over the tunnel
/// exactly as they go over a direct connection. Used by the WebSocket and the media uploads.
enum ProxyTunnel {
    /// - Parameter configure: adds the handlers that speak to the target (TLS, HTTP), on the
    ///   channel's event loop, at the end of the pipeline.
    /// - Throws: `ProxyError` for anything the proxy did; the direct connection's own error otherwise.
    static func open(
        host: String, port: Int, proxy: ProxyConfiguration?, timeout: TimeAmount,
        configure: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        let group = MultiThreadedEventLoopGroup.singleton
        guard let proxy else {
            return try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try configure(channel) } }
                .connect(host: host, port: port).get()
        }
        let target = try await resolve(host: host, port: port, for: proxy)
        let handshake = ProxyHandshake(proxy: proxy, target: target, targetName: host)
        let established = group.next().makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ProxyHandshakeHandler(handshake: handshake, established: established, configure: configure))
                    }
                }
                .connect(host: proxy.host, port: proxy.port).get()
        } catch {
            established.fail(error)
            throw ProxyError(.unreachable("\(error)"), proxy: proxy)
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            established.fail(ProxyError(.timedOut, proxy: proxy))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await established.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return channel
    }

    /// What the proxy is asked to connect to. `socks5://` resolves names here (as curl does),
    /// `socks5h://` and HTTP proxies get the name and resolve it themselves.
    static func resolve(host: String, port: Int, for proxy: ProxyConfiguration) async throws -> ProxyHandshake.Target {
        let literal = ProxyHandshake.Target(host: host, port: port)
        guard proxy.kind == .socks5, case .name = literal else { return literal }
        // getaddrinfo blocks: run it on NIO's thread pool, never on the cooperative pool.
        let address = try await NIOThreadPool.singleton.runIfActive { Self.lookUp(host, port: port) }
        guard let address else { throw ProxyError(.cannotResolve(host), proxy: proxy) }
        return address
    }
}

extension ProxyTunnel {
    /// The first IPv4 address of `host`, else its first IPv6 address (blocking getaddrinfo).
    static func lookUp(_ host: String, port: Int) -> ProxyHandshake.Target? {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var v6: ProxyHandshake.Target?
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard let address = entry.pointee.ai_addr else { continue }
            if entry.pointee.ai_family == AF_INET {
                let raw = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                return .ipv4(withUnsafeBytes(of: raw) { Array($0) }, port: port)
            }
            if entry.pointee.ai_family == AF_INET6, v6 == nil {
                let raw = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                v6 = .ipv6(withUnsafeBytes(of: raw) { Array($0) }, port: port)
            }
        }
        return v6
    }
}

/// Carries `ProxyHandshake`'s bytes, then steps aside: it runs `configure` to add the target's
/// handlers behind itself, passes on any bytes that came with the proxy's answer, and leaves.
final class ProxyHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var handshake: ProxyHandshake
    private let established: EventLoopPromise<Void>
    private let configure: @Sendable (any Channel) throws -> Void
    private var started = false

    init(handshake: ProxyHandshake, established: EventLoopPromise<Void>, configure: @escaping @Sendable (any Channel) throws -> Void) {
        self.handshake = handshake
        self.established = established
        self.configure = configure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: handshake.greeting())), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        switch handshake.receive(bytes) {
        case .needMore:
            break
        case .send(let reply):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
        case .failed(let error):
            established.fail(error)
            context.close(promise: nil)
        case .established(let leftover):
            do {
                try configure(context.channel)
            } catch {
                established.fail(error)
                context.close(promise: nil)
                return
            }
            // The target's handlers were added to an active channel: NIOSSL starts its handshake
            // in handlerAdded, and our request handlers send their request there too.
            if !leftover.isEmpty {
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: leftover)))
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            established.succeed()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        established.fail(ProxyError(.protocolViolation("it closed the connection during the handshake"), proxy: handshake.proxy))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        established.fail(ProxyError(.unreachable("\(error)"), proxy: handshake.proxy))
        context.close(promise: nil)
    }
}
