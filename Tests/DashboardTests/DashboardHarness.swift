import AIWriting
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SiaranTestSupport
import Store
import Testing

/// A temporary Siaran layout with a dashboard on a real database, three users (one per role)
/// and helpers to log in and call the API through the router.
struct DashboardHarness {
    static let password = "correct horse battery"
    let root: URL
    let database: SiaranDatabase
    /// Where the database is, for a second connection (another worker of a cluster).
    let location: DatabaseLocation
    let dashboard: Dashboard

    init(database kind: TestDatabaseKind = .sqlite, sessions: (any SessionControl)? = nil, writer: MessageWriter? = nil,
         adjust: (inout DashboardConfiguration) -> Void = { _ in }) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID())")
        for folder in ["inbox", "outbox", "state/uploads", "state/spool", "templates"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        if kind == .sqlite {
            let path = root.appendingPathComponent("state/siaran.sqlite").path
            database = try SiaranDatabase(path: path)
            location = .sqlite(path: path)
        } else {
            let test = try await TestDatabase.make(kind)
            database = test.database
            location = test.location
        }
        var configuration = DashboardConfiguration(
            inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
            uploads: root.appendingPathComponent("state/uploads").path,
            jwtSecret: "test-secret-that-is-long-enough-0123456789",
            initialAdmin: ("admin", Self.password), maxRequestBytes: 2 * 1024 * 1024, maxFileBytes: 1024 * 1024,
            eventInterval: .milliseconds(50), trustForwardedFor: true)
        adjust(&configuration)
        dashboard = await Dashboard(configuration: configuration, database: database, sessions: sessions,
                                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, bcryptCost: 4, writer: writer)
        try await dashboard.prepare()
        try await dashboard.users.add(username: "ops", password: Self.password, role: .operator)
        try await dashboard.users.add(username: "view", password: Self.password, role: .viewer)
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Removes the temporary layout (database, inbox, outbox, uploads); call it with `defer` once
    /// the test no longer uses the dashboard.
    func close() { try? FileManager.default.removeItem(at: root) }

    var application: some ApplicationProtocol { Application(router: dashboard.router()) }

    static func username(_ role: Role) -> String {
        switch role {
        case .admin: "admin"
        case .operator: "ops"
        case .viewer: "view"
        }
    }

    /// Logs in through the API and returns the bearer token and the cookie's CSRF token.
    static func login(_ client: some TestClientProtocol, _ role: Role, ip: String = "10.0.0.1") async throws -> Login {
        let body = #"{"username":"\#(username(role))","password":"\#(password)"}"#
        return try await client.execute(uri: "/api/login", method: .post,
                                        headers: [.contentType: "application/json", .xForwardedFor: ip],
                                        body: ByteBuffer(string: body)) { response in
            #expect(response.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            return Login(token: try #require(json["token"] as? String), csrf: try #require(json["csrf"] as? String),
                         cookie: response.headers[.setCookie] ?? "")
        }
    }

    struct Login: Sendable {
        var token: String
        var csrf: String
        var cookie: String
        var bearer: HTTPFields { [.authorization: "Bearer \(token)"] }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let csrf = Self("X-CSRF-Token")!
}

/// The body as JSON; nil when it is not JSON (the expectation that uses it then fails).
func json(_ buffer: ByteBuffer) -> Any? { try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) }

/// The body as a JSON object; empty when it is not one.
func jsonObject(_ buffer: ByteBuffer) -> [String: Any] { json(buffer) as? [String: Any] ?? [:] }

/// A multipart/form-data body from (name, filename?, bytes).
func multipart(_ parts: [(String, String?, Data)], boundary: String = "XyZboundary42") -> (HTTPFields, ByteBuffer) {
    var body = Data()
    for (name, filename, data) in parts {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"".utf8)
        if let filename { body += Data("; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream".utf8) }
        body += Data("\r\n\r\n".utf8) + data + Data("\r\n".utf8)
    }
    body += Data("--\(boundary)--\r\n".utf8)
    return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
}
