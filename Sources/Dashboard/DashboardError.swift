import Foundation
public import Hummingbird
import NIOCore

/// Every refusal the dashboard answers with: an HTTP status and a JSON body
/// `{"error": code, "message": text}` that names what was wrong.
public struct DashboardError: Error, Sendable, CustomStringConvertible, HTTPResponseError {
    public enum Code: String, Sendable {
        case unauthenticated, forbidden, csrf = "csrf-token", lockedOut = "locked-out", rateLimited = "rate-limited"
        case badRequest = "bad-request", notFound = "not-found", tooLarge = "too-large", conflict, unavailable
    }

    public var code: Code
    public var message: String
    /// Seconds a client should wait (lockouts and rate limits).
    public var retryAfter: Int?
    /// Where in the sent text the problem is (template syntax errors), 1-based.
    public var line: Int?
    public var column: Int?
    /// Refused form fields (`send_at`, `delay`, …) and why, for the page to show beside each field.
    public var fields: [String: String]?

    public init(_ code: Code, _ message: String, retryAfter: Int? = nil, line: Int? = nil, column: Int? = nil, fields: [String: String]? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.line = line
        self.column = column
        self.fields = fields
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var status: HTTPResponse.Status {
        switch code {
        case .unauthenticated: .unauthorized
        case .forbidden, .csrf: .forbidden
        case .lockedOut, .rateLimited: .tooManyRequests
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .tooLarge: .contentTooLarge
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        var json: [String: Any] = ["error": code.rawValue, "message": message]
        if let line { json["line"] = line }
        if let column { json["column"] = column }
        if let fields, !fields.isEmpty { json["fields"] = fields }
        let body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
