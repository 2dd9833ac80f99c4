@testable import Store
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@Suite("Dashboard: logins, tokens, lockout, CSRF, headers")
struct AuthTests {
    @Test("login gives a bearer token and an HttpOnly SameSite=Strict cookie; /api/me reads either")
    func login() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            #expect(login.cookie.contains("siaran_session=\(login.token)"))
            #expect(login.cookie.contains("HttpOnly"))
            #expect(login.cookie.contains("SameSite=Strict"))
            try await client.execute(uri: "/api/me", method: .get, headers: login.bearer) { response in
                #expect(response.status == .ok)
                let me = jsonObject(response.body)
                #expect(me["username"] as? String == "ops")
                #expect(me["role"] as? String == "operator")
            }
            try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "siaran_session=\(login.token)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/me", method: .get, headers: [.authorization: "Bearer \(login.token)x"]) { response in
                #expect(response.status == .unauthorized)
                #expect(jsonObject(response.body)["error"] as? String == "unauthenticated")
            }
        }
        let audit = try await harness.database.read { db in try db.query("SELECT action FROM auditLog").map { try $0.string(at: 0) } }
        #expect(audit.contains("login"))
        #expect(audit.contains("user.create"))
    }

    @Test("a wrong password is a 401 with a JSON error; a removed user's token stops working")
    func refusals() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"username":"ops","password":"nope nope nope"}"#)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(jsonObject(response.body)["message"] as? String == "wrong username or password")
            }
            let login = try await DashboardHarness.login(client, .viewer)
            try await harness.dashboard.users.remove(username: "view")
            try await client.execute(uri: "/api/campaigns", method: .get, headers: login.bearer) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("failed logins lock the account out with back-off, even for the right password; other accounts still log in")
    func lockout() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: "10.9.9.9"],
                                         body: ByteBuffer(string: #"{"username":"ops","password":"wrong password!"}"#)) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: "10.1.1.1"],
                                     body: ByteBuffer(string: #"{"username":"ops","password":"\#(DashboardHarness.password)"}"#)) { response in
                #expect(response.status == .tooManyRequests)
                // The 30 s lockout has begun; how much of it is left depends on how busy the machine
                // is (the exact back-off is checked with a fixed clock in `backoff`).
                let retryAfter = Int(response.headers[.retryAfter] ?? "") ?? 0
                #expect((1...30).contains(retryAfter))
                #expect(jsonObject(response.body)["error"] as? String == "locked-out")
            }
            _ = try await DashboardHarness.login(client, .viewer, ip: "10.9.9.9")
            // The address: 4 × the account allowance, across accounts.
            for attempt in 0..<20 {
                try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: "10.7.7.7"],
                                         body: ByteBuffer(string: #"{"username":"user\#(attempt)","password":"wrong password!"}"#)) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: "10.7.7.7"],
                                     body: ByteBuffer(string: #"{"username":"admin","password":"\#(DashboardHarness.password)"}"#)) { response in
                #expect(response.status == .tooManyRequests)
            }
        }
    }

    @Test("the throttle doubles the lockout with each further failure, up to the cap")
    func backoff() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        let now = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let throttle = LoginThrottle(database: harness.database, allowance: 3, base: 10, cap: 40, now: { now.withLock { $0 } })
        for _ in 0..<3 { try await throttle.recordFailure(address: "a", account: "u") }
        #expect(try await throttle.lockedFor(address: "b", account: "u") == 10)
        try await throttle.recordFailure(address: "a", account: "u")
        #expect(try await throttle.lockedFor(address: "b", account: "U") == 20)
        for _ in 0..<5 { try await throttle.recordFailure(address: "a", account: "u") }
        #expect(try await throttle.lockedFor(address: "b", account: "u") == 40)
        now.withLock { $0 = $0.addingTimeInterval(41) }
        #expect(try await throttle.lockedFor(address: "b", account: "u") == nil)
    }

    @Test("API requests per login are rate-limited")
    func requestRate() async throws {
        let harness = try await DashboardHarness { $0.requestsPerMinute = 5 }
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .viewer)
            // The bucket refills one request every 12 s, so a busy machine may earn one more
            // before the refusal; the exact arithmetic is checked with a fixed clock below.
            var allowed = 0
            var refusal: (status: HTTPResponse.Status, error: String?, retryAfter: String?)?
            for _ in 0..<30 where refusal == nil {
                try await client.execute(uri: "/api/campaigns", method: .get, headers: login.bearer) { response in
                    if response.status == .ok { allowed += 1 } else {
                        refusal = (response.status, jsonObject(response.body)["error"] as? String, response.headers[.retryAfter])
                    }
                }
            }
            #expect(allowed >= 5)
            #expect(refusal?.status == .tooManyRequests)
            #expect(refusal?.error == "rate-limited")
            #expect(refusal?.retryAfter != nil)
        }
    }

    @Test("the request bucket: the allowance at once, then one more per 60/N seconds, never above the allowance")
    func requestBucket() {
        let now = Mutex(Date(timeIntervalSince1970: 1_000_000))
        // 60 a minute: one token a second, so the halves below are exact in floating point.
        let limiter = RequestRateLimiter(perMinute: 60, now: { now.withLock { $0 } })
        for _ in 0..<60 { #expect(limiter.take("user:1") == nil) }
        #expect(limiter.take("user:1") == 1)
        #expect(limiter.take("user:2") == nil)  // each login has its own bucket
        now.withLock { $0 = $0.addingTimeInterval(0.5) }
        #expect(limiter.take("user:1") == 1)  // half a token: wait, rounded up to a whole second
        now.withLock { $0 = $0.addingTimeInterval(0.5) }
        #expect(limiter.take("user:1") == nil)
        #expect(limiter.take("user:1") == 1)
        now.withLock { $0 = $0.addingTimeInterval(3600) }
        for _ in 0..<60 { #expect(limiter.take("user:1") == nil) }  // refills up to the allowance, no more
        #expect(limiter.take("user:1") == 1)
    }

    @Test("cookie logins need the CSRF header on changes; bearer logins do not; other sites are refused")
    func csrf() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            let cookie: HTTPFields = [.cookie: "siaran_session=\(login.token)", .contentType: "application/json"]
            let body = ByteBuffer(string: #"{"id":"nope"}"#)
            try await client.execute(uri: "/api/campaign/pause", method: .post, headers: cookie, body: body) { response in
                #expect(response.status == .forbidden)
                #expect(jsonObject(response.body)["error"] as? String == "csrf-token")
            }
            var withToken = cookie
            withToken[.csrf] = login.csrf
            try await client.execute(uri: "/api/campaign/pause", method: .post, headers: withToken, body: body) { response in
                #expect(response.status == .notFound)  // past CSRF: the campaign does not exist
            }
            var bearer = login.bearer
            bearer[.contentType] = "application/json"
            try await client.execute(uri: "/api/campaign/pause", method: .post, headers: bearer, body: body) { #expect($0.status == .notFound) }
            bearer[.origin] = "https://evil.example"
            try await client.execute(uri: "/api/campaign/pause", method: .post, headers: bearer, body: body) { #expect($0.status == .forbidden) }
            // The login form: the double-submit cookie must match the field.
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "siaran_login_csrf=abc"],
                                     body: ByteBuffer(string: "_csrf=xyz&username=ops&password=x")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "siaran_login_csrf=abc"],
                                     body: ByteBuffer(string: "_csrf=abc&username=ops&password=\(DashboardHarness.password.replacingOccurrences(of: " ", with: "+"))")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/")
                #expect(response.headers[.setCookie]?.contains("siaran_session=") == true)
            }
        }
    }

    @Test("every response carries the security headers; oversized requests are refused before reading")
    func headersAndLimits() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            try await client.execute(uri: "/api/campaigns", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
            }
            let login = try await DashboardHarness.login(client, .operator)
            var headers = login.bearer
            headers[.contentType] = "multipart/form-data; boundary=x"
            try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers,
                                     body: ByteBuffer(repeating: 0x41, count: 3 * 1024 * 1024)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }
}
