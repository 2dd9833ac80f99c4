import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Dashboard {
    struct LoginRequest: Codable, Sendable { var username: String; var password: String }
    struct LoginResponse: Codable, Sendable {
        var token: String; var username: String; var role: Role; var csrf: String; var expires: Date
    }
    struct MeResponse: Codable, Sendable { var username: String; var role: Role; var csrf: String; var expires: Date }

    static let loginCSRFCookie = "siaran_login_csrf"

    func addAuthRoutes(to router: Router<DashboardContext>) {
        // JSON login for scripts and the API: the token comes back in the body and in the cookie.
        router.post("/api/login") { request, context in
            let body = try await JSONResponse.decode(LoginRequest.self, from: request)
            let (token, claims) = try await self.login(username: body.username, password: body.password, context: context)
            var response = try JSONResponse.make(LoginResponse(token: token, username: claims.username, role: claims.role,
                                                               csrf: claims.csrf, expires: claims.expires))
            response.setCookie(self.sessionCookie(token))
            return response
        }
        // The login page's form (works without JavaScript); CSRF by double-submit cookie.
        router.post("/login") { request, context in
            var request = request
            let form = FormFields(urlEncoded: String(buffer: try await request.collectBody(upTo: 16 * 1024)))
            let expected = request.cookies[Self.loginCSRFCookie]?.value ?? ""
            guard !expected.isEmpty, RandomToken.equal(form["_csrf"] ?? "", expected) else {
                throw DashboardError(.csrf, "the login form expired; reload the page and try again")
            }
            do {
                let (token, _) = try await self.login(username: form["username"] ?? "", password: form["password"] ?? "", context: context)
                var response = Response(status: .seeOther, headers: [.location: "/"])
                response.setCookie(self.sessionCookie(token))
                return response
            } catch let error as DashboardError where error.code == .unauthenticated || error.code == .lockedOut {
                let reason = error.code == .lockedOut ? "locked" : "wrong"
                return Response(status: .seeOther, headers: [.location: "/login?error=\(reason)"])
            }
        }
        router.post("/api/logout") { _, context in
            let user = try context.require(.viewer)
            // The token stops working now, not when it expires: a copy left elsewhere is useless.
            try await self.users.revokeToken(user.tokenID, expires: user.expires)
            try await self.audit.record(user.username, "logout")
            var response = try JSONResponse.make(ActionResult(message: "logged out"))
            response.setCookie(self.sessionCookie("", maxAge: 0))
            return response
        }
        router.get("/api/me") { _, context in
            let user = try context.require(.viewer)
            return try JSONResponse.make(MeResponse(username: user.username, role: user.role, csrf: user.csrf, expires: user.expires))
        }
    }

    /// Checks the throttle, then the password; records the outcome in the throttle and audit log.
    func login(username: String, password: String, context: DashboardContext) async throws -> (String, SessionToken.Verified) {
        let address = context.clientAddress
        if let wait = try await loginThrottle.lockedFor(address: address, account: username) {
            throw DashboardError(.lockedOut, "too many failed logins; try again in \(wait) s", retryAfter: wait)
        }
        guard let user = try await users.authenticate(username: username, password: password) else {
            try await loginThrottle.recordFailure(address: address, account: username)
            try await audit.record(String(username.prefix(64)), "login.failed", detail: "from \(address)")
            throw DashboardError(.unauthenticated, "wrong username or password")
        }
        try await loginThrottle.recordSuccess(address: address, account: username)
        try await audit.record(user.username, "login", detail: "from \(address)")
        return try await tokens.issue(for: user)
    }

    func sessionCookie(_ token: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: AuthMiddleware.cookieName, value: token, maxAge: maxAge ?? Int(configuration.sessionLifetime), path: "/",
               secure: configuration.secureCookies, httpOnly: true, sameSite: .strict)
    }
}
