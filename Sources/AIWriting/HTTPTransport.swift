import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request to a provider and its answer, as plain values: the request builders and
/// answer parsers (``AnthropicAPI``, ``OpenAIAPI``) are pure functions over these.
public enum HTTPExchange {
    public struct Request: Sendable, Equatable {
        public var method: String
        public var url: URL
        /// In the order they are sent. Holds the key: never log or print a request.
        public var headers: [Header]
        public var body: Data

        public init(method: String = "POST", url: URL, headers: [Header], body: Data) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }

        /// The first value of a header (names compared without regard to case).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        public var headers: [Header]
        public var body: Data

        public init(status: Int, headers: [Header] = [], body: Data) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// Why a request got no HTTP answer at all.
public enum TransportFailure: Error, Sendable, Equatable {
    /// No complete answer before the deadline.
    case timeout
    /// No connection: refused, unknown host, network down, TLS failure. The text is for logs and
    /// never contains the request (so never the key).
    case unreachable(String)
}

/// Sends one request and returns the answer. `AsyncHTTPClientTransport` in the product; tests
/// can pass their own.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPExchange.Request, timeout: Duration) async throws(TransportFailure) -> HTTPExchange.Response
}

/// The Swift server ecosystem's HTTP client (async-http-client), on its shared event loops.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Larger answers are refused: a message is a few kilobytes of JSON.
    public var maxResponseBytes: Int

    public init(maxResponseBytes: Int = 4 * 1024 * 1024) {
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: HTTPExchange.Request, timeout: Duration) async throws(TransportFailure) -> HTTPExchange.Response {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await HTTPClient.shared.execute(outgoing, deadline: deadline)
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return HTTPExchange.Response(
                status: Int(response.status.code),
                headers: response.headers.map { HTTPExchange.Header($0.name, $0.value) },
                body: Data(body.readableBytesView))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                throw .timeout
            case .connectTimeout:
                throw .unreachable("connection timed out")
            default:
                throw .unreachable(String(describing: error))
            }
        } catch {
            throw .unreachable(Self.describe(error))
        }
    }

    /// `ECONNREFUSED`-style errors in a few words, without anything from the request.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return String(text.prefix(200))
    }
}
