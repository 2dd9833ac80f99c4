import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// Reads the login from `Authorization: Bearer` or the session cookie, checks it against the
/// users table (a removed or demoted account loses access at once; a logged-out token or one
/// older than the last password change is refused), enforces CSRF on unsafe
/// requests that rely on the cookie, and rate-limits API calls per login.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = DashboardContext
    static let cookieName = "siaran_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let dashboard: Dashboard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let configuration = dashboard.configuration
        if configuration.trustForwardedFor, let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").first {
            context.clientAddress = forwarded.trimmingCharacters(in: .whitespaces)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxRequestBytes {
            throw DashboardError(.tooLarge, "the request is \(length) bytes; the limit is \(configuration.maxRequestBytes)")
        }
        let bearer = request.headers.bearer?.token
        let cookie = request.cookies[Self.cookieName]?.value
        if let token = bearer ?? cookie, let verified = await dashboard.tokens.verify(token),
           let current = try await dashboard.users.holder(of: verified) {
            var user = verified
            user.role = current.role
            context.user = user
            context.viaCookie = bearer == nil
        }
        let unsafe = ![.get, .head, .options].contains(request.method)
        if unsafe {
            try checkOrigin(request)
            if context.viaCookie, let user = context.user {
                let sent = request.headers[Self.csrfHeader] ?? ""
                guard RandomToken.equal(sent, user.csrf) else {
                    throw DashboardError(.csrf, "missing or wrong CSRF token: send the X-CSRF-Token header from the page")
                }
            }
        }
        if request.uri.path.hasPrefix("/api/") {
            let key = context.user.map { "user:\($0.userID)" } ?? "ip:\(context.clientAddress)"
            if let wait = dashboard.requestLimiter.take(key) {
                throw DashboardError(.rateLimited, "too many requests; try again in \(wait) s", retryAfter: wait)
            }
        }
        return try await next(request, context)
    }

    /// A browser always names the page a cross-site request came from; refuse other sites.
    private func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin], origin != "null" else { return }
        let host = request.head.authority ?? ""
        guard let originHost = URL(string: origin)?.host, !host.isEmpty else { return }
        let requestHost = host.split(separator: ":").first.map(String.init) ?? host
        if originHost.lowercased() != requestHost.lowercased() {
            throw DashboardError(.forbidden, "cross-site request from \(origin) refused")
        }
    }
}
