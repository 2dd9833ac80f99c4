import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import Store
import Testing

@Suite("Dashboard: lockouts and logouts outlive a restart; a password change ends old logins")
struct PersistentAuthTests {
    /// A second dashboard on the same database, as after a daemon restart.
    static func restarted(_ harness: DashboardHarness) async -> Dashboard {
        await Dashboard(configuration: harness.dashboard.configuration, database: harness.database, sessions: nil,
                        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, bcryptCost: 4)
    }

    static func tryLogin(_ client: some TestClientProtocol, _ username: String, _ password: String, ip: String) async throws -> HTTPResponse.Status {
        try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: ip],
                                 body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)) { $0.status }
    }

    @Test("an account locked out stays locked out after a restart")
    func lockoutSurvivesRestart() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            for _ in 0..<5 {
                let status = try await Self.tryLogin(client, "ops", "wrong password!", ip: "10.2.2.2")
                #expect(status == .unauthorized)
            }
        }
        let restarted = await Self.restarted(harness)
        try await Application(router: restarted.router()).test(.router) { client in
            let locked = try await Self.tryLogin(client, "ops", DashboardHarness.password, ip: "10.3.3.3")
            #expect(locked == .tooManyRequests)
            let other = try await Self.tryLogin(client, "view", DashboardHarness.password, ip: "10.3.3.3")
            #expect(other == .ok)
        }
        let rows = try await harness.database.read { db in try db.scalarInt("SELECT COUNT(*) FROM loginThrottle WHERE lockedUntil IS NOT NULL") }
        #expect(rows == 1)
    }

    @Test("a token used after logout is refused, also by a restarted daemon; other logins of the user go on")
    func logoutRevokesTheToken() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let first = try await DashboardHarness.login(client, .operator)
            let second = try await DashboardHarness.login(client, .operator)
            #expect(first.token != second.token)
            try await client.execute(uri: "/api/logout", method: .post, headers: first.bearer) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/me", method: .get, headers: first.bearer) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "siaran_session=\(first.token)"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/me", method: .get, headers: second.bearer) { #expect($0.status == .ok) }
            try await Application(router: await Self.restarted(harness).router()).test(.router) { restarted in
                try await restarted.execute(uri: "/api/me", method: .get, headers: first.bearer) { #expect($0.status == .unauthorized) }
                try await restarted.execute(uri: "/api/me", method: .get, headers: second.bearer) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("changing a password ends every login made before; a new login works")
    func passwordChangeEndsOldLogins() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let old = try await DashboardHarness.login(client, .viewer)
            // Token times are whole seconds: let this second pass so the change is strictly later.
            try await Task.sleep(for: .milliseconds(1100))
            try await harness.dashboard.users.setPassword(username: "view", password: "another long password")
            try await client.execute(uri: "/api/me", method: .get, headers: old.bearer) { #expect($0.status == .unauthorized) }
            let oldPassword = try await Self.tryLogin(client, "view", DashboardHarness.password, ip: "10.4.4.4")
            #expect(oldPassword == .unauthorized)
            let newPassword = try await Self.tryLogin(client, "view", "another long password", ip: "10.4.4.4")
            #expect(newPassword == .ok)
        }
    }
}
