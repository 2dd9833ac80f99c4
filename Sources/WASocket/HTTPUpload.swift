public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL

/// One HTTP POST over NIO, straight or through a session's proxy (the media uploads): the same
/// path and TLS as the session's WebSocket, which Foundation's URLSession cannot be told to take.
public enum HTTPUpload {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    /// Answers larger than this are cut off (an upload answer is a small JSON object).
    static let maximumAnswer = 1 << 20

    /// POSTs `body` to an `http://` or `https://` URL and returns the status and answer body.
    /// - Throws: `ProxyError` when the proxy fails, `HTTPUploadError` for the server itself.
    public static func post(
        _ url: URL, headers: [(String, String)], body: Data, proxy: ProxyConfiguration? = nil,
        tls: TLSConfiguration? = nil, timeout: Duration = .seconds(120)
    ) async throws -> Response {
        guard let target = try ConnectionTarget(url, plain: "http", secure: "https", tls: tls) else {
            throw HTTPUploadError("unsupported URL \(url.absoluteString) (http:// or https:// with a host)")
        }
        let host = target.host, port = target.port
        let amount = TimeAmount(timeout)
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Response.self)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        let request = head

        let channel: any Channel
        do {
            channel = try await ProxyTunnel.open(host: host, port: port, proxy: proxy, timeout: amount) { channel in
                try target.addTLS(to: channel)
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(UploadHandler(head: request, body: body, promise: promise))
            }
        } catch let error as ProxyError {
            promise.fail(error)
            throw error
        } catch {
            promise.fail(error)
            throw HTTPUploadError("cannot connect to \(host):\(port): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: amount) { promise.fail(HTTPUploadError("no answer within \(timeout)")) }
        channel.closeFuture.whenComplete { _ in promise.fail(HTTPUploadError("the server closed the connection before answering")) }
        defer { timer.cancel() }
        do {
            let response = try await promise.futureResult.get()
            try? await channel.close()
            return response
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Sends the request once the connection is up (at once when added behind a proxy tunnel) and
/// collects the answer.
private final class UploadHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: Data
    private let promise: EventLoopPromise<HTTPUpload.Response>
    private var sent = false
    private var status = 0
    private var answer = Data()

    init(head: HTTPRequestHead, body: Data, promise: EventLoopPromise<HTTPUpload.Response>) {
        self.head = head
        self.body = body
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { send(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
        context.fireChannelActive()
    }

    private func send(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = Int(response.status.code)
        case .body(var buffer):
            if answer.count + buffer.readableBytes <= HTTPUpload.maximumAnswer, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                answer.append(contentsOf: bytes)
            }
        case .end:
            promise.succeed(HTTPUpload.Response(status: status, body: answer))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(HTTPUploadError("the connection failed: \(error)"))
        context.close(promise: nil)
    }
}

/// Why an upload got no answer from the server (the proxy's own failures are `ProxyError`s).
public struct HTTPUploadError: Error, Sendable, CustomStringConvertible {
    public var reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
