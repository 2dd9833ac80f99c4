@testable import Store
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhatsApp

@Suite("Dashboard: every endpoint for every role")
struct RoleTests {
    struct Endpoint: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var multipart = false
        var needs: Role
        var description: String { "\(method) \(uri)" }
    }

    static let endpoints: [Endpoint] = [
        Endpoint(method: .get, uri: "/api/me", needs: .viewer),
        Endpoint(method: .get, uri: "/api/campaigns", needs: .viewer),
        Endpoint(method: .get, uri: "/api/campaigns/c1", needs: .viewer),
        Endpoint(method: .get, uri: "/api/campaigns/c1/messages", needs: .viewer),
        Endpoint(method: .get, uri: "/api/reports/c1", needs: .viewer),
        Endpoint(method: .get, uri: "/api/reports/c1/report.csv", needs: .viewer),
        Endpoint(method: .get, uri: "/api/sessions", needs: .viewer),
        Endpoint(method: .get, uri: "/api/inbox/waiting", needs: .viewer),
        Endpoint(method: .get, uri: "/api/events?duration=1", needs: .viewer),
        Endpoint(method: .post, uri: "/api/campaign/pause", body: #"{"id":"c1"}"#, needs: .operator),
        Endpoint(method: .post, uri: "/api/campaign/start", body: #"{"id":"c1"}"#, needs: .operator),
        Endpoint(method: .post, uri: "/api/campaign/create", multipart: true, needs: .operator),
        Endpoint(method: .post, uri: "/api/contacts/upload", multipart: true, needs: .operator),
        Endpoint(method: .post, uri: "/api/media/upload", multipart: true, needs: .operator),
        Endpoint(method: .post, uri: "/api/campaign/preview", multipart: true, needs: .operator),
        Endpoint(method: .post, uri: "/api/segment/preview", multipart: true, needs: .operator),
        Endpoint(method: .get, uri: "/api/uploads/media-seed/prepared", needs: .operator),
        Endpoint(method: .get, uri: "/api/contacts/optouts", needs: .viewer),
        Endpoint(method: .get, uri: "/api/contacts/optouts.csv", needs: .viewer),
        Endpoint(method: .post, uri: "/api/contacts/optouts", body: #"{"phone":"081234567890","note":"test"}"#, needs: .operator),
        Endpoint(method: .delete, uri: "/api/contacts/optouts/6285700001111", needs: .admin),
        Endpoint(method: .post, uri: "/api/contacts/check", body: #"{"numbers":"081234567890"}"#, needs: .viewer),
        Endpoint(method: .get, uri: "/api/contacts/081234567890", needs: .viewer),
        Endpoint(method: .get, uri: "/api/conversations?unanswered=1", needs: .viewer),
        Endpoint(method: .get, uri: "/api/conversations/081234567890", needs: .viewer),
        Endpoint(method: .post, uri: "/api/conversations/081234567890/answer?wait=0", body: #"{"text":"Halo"}"#, needs: .operator),
        Endpoint(method: .post, uri: "/api/conversations/081234567890/done", body: #"{"done":true}"#, needs: .operator),
        Endpoint(method: .post, uri: "/api/conversations/081234567890/assign", body: #"{"user":"ops"}"#, needs: .operator),
        Endpoint(method: .get, uri: "/api/templates", needs: .viewer),
        Endpoint(method: .get, uri: "/api/templates/seed", needs: .viewer),
        Endpoint(method: .put, uri: "/api/templates/seed", body: #"{"body":"Halo {name|Kak}"}"#, needs: .operator),
        Endpoint(method: .delete, uri: "/api/templates/gone", needs: .operator),
        Endpoint(method: .post, uri: "/api/whatsapp/connect", body: #"{"session":"utama"}"#, needs: .admin),
        Endpoint(method: .post, uri: "/api/whatsapp/disconnect", body: #"{"session":"utama"}"#, needs: .admin),
        Endpoint(method: .get, uri: "/api/sessions/utama/qr.svg", needs: .admin),
        Endpoint(method: .get, uri: "/api/users", needs: .admin),
        Endpoint(method: .post, uri: "/api/users", body: #"{"username":"new-user","password":"long enough pw","role":"viewer"}"#, needs: .admin),
        Endpoint(method: .post, uri: "/api/users/view", body: #"{"role":"viewer"}"#, needs: .admin),
        Endpoint(method: .get, uri: "/api/audit", needs: .admin),
        Endpoint(method: .get, uri: "/api/autoreply", needs: .admin),
        Endpoint(method: .post, uri: "/api/autoreply/check", body: #"{"text":"default: Terima kasih"}"#, needs: .admin),
        Endpoint(method: .put, uri: "/api/autoreply", body: #"{"text":"default: Terima kasih"}"#, needs: .admin),
    ]

    /// A campaign `c1` in the database with a report file, so allowed calls can succeed.
    static func seed(_ harness: DashboardHarness) async throws {
        try await harness.database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'sending', ?, '/tmp') ON CONFLICT (id) DO NOTHING", Date())
        }
        try FileManager.default.createDirectory(atPath: harness.path("outbox/c1"), withIntermediateDirectories: true)
        try "phone,state\n".write(toFile: harness.path("outbox/c1/report.csv"), atomically: true, encoding: .utf8)
        // An uploaded picture, an opt-out to remove and templates to read and delete.
        try FileManager.default.createDirectory(atPath: harness.path("state/uploads/media-seed"), withIntermediateDirectories: true)
        try PreviewTests.promo.write(to: URL(fileURLWithPath: harness.path("state/uploads/media-seed/promo.jpg")))
        try await harness.database.addOptOut(phone: "6285700001111", source: "reply")
        try await harness.database.recordReply(phone: "6281234567890", session: "utama", messageId: "SEED1", text: "Berapa?", at: Date(), isOptOut: false)
        try "Halo {name|Kak}\n".write(toFile: harness.path("templates/seed.txt"), atomically: true, encoding: .utf8)
        try "Hilang\n".write(toFile: harness.path("templates/gone.txt"), atomically: true, encoding: .utf8)
    }

    static func request(_ endpoint: Endpoint, headers: HTTPFields) -> (HTTPFields, ByteBuffer?) {
        var headers = headers
        if endpoint.multipart {
            let (h, body) = multipart([("file", "numbers.txt", Data("081234567890\n".utf8)), ("numbers", "numbers.txt", Data("081234567890\n".utf8)),
                                       ("message", nil, Data("Halo".utf8))])
            if endpoint.uri.contains("media") {
                let (h2, b2) = multipart([("file", "a.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]))])
                headers[.contentType] = h2[.contentType]
                return (headers, b2)
            }
            headers[.contentType] = h[.contentType]
            return (headers, body)
        }
        if let body = endpoint.body {
            headers[.contentType] = "application/json"
            return (headers, ByteBuffer(string: body))
        }
        return (headers, nil)
    }

    @Test("anonymous calls get 401, too-small roles 403 with a JSON error, enough roles get through", arguments: endpoints)
    func matrix(_ endpoint: Endpoint) async throws {
        let harness = try await DashboardHarness(sessions: FakeSessions())
        defer { harness.close() }
        try await Self.seed(harness)
        try await harness.application.test(.router) { client in
            let (headers, body) = Self.request(endpoint, headers: [:])
            try await client.execute(uri: endpoint.uri, method: endpoint.method, headers: headers, body: body) { response in
                #expect(response.status == .unauthorized, "anonymous \(endpoint)")
                #expect(jsonObject(response.body)["error"] as? String == "unauthenticated")
            }
            for role in Role.allCases {
                try await Self.seed(harness)  // again: a role before may have deleted what this one needs
                let login = try await DashboardHarness.login(client, role)
                let (headers, body) = Self.request(endpoint, headers: login.bearer)
                try await client.execute(uri: endpoint.uri, method: endpoint.method, headers: headers, body: body) { response in
                    if role.allows(endpoint.needs) {
                        #expect(response.status.code < 400, "\(role) \(endpoint): \(response.status) \(String(buffer: response.body))")
                    } else {
                        #expect(response.status == .forbidden, "\(role) \(endpoint)")
                        #expect(jsonObject(response.body)["error"] as? String == "forbidden")
                    }
                }
            }
        }
    }

    @Test("pages redirect to the login without a session and refuse roles that are too small")
    func pages() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await Self.seed(harness)
        try await harness.application.test(.router) { client in
            for uri in ["/", "/campaigns", "/campaigns/c1", "/campaigns/new", "/contacts", "/templates", "/sessions", "/users"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/login")
                }
            }
            let viewer = try await DashboardHarness.login(client, .viewer)
            let admin = try await DashboardHarness.login(client, .admin)
            for (uri, viewerStatus) in [("/", HTTPResponse.Status.ok), ("/campaigns", .ok), ("/campaigns/c1", .ok), ("/campaigns/new", .forbidden),
                                        ("/sessions", .ok), ("/users", .forbidden), ("/campaigns/nope", .notFound),
                                        ("/contacts", .ok), ("/contacts?phone=081234567890&q=0857&page=2", .ok), ("/templates", .ok),
                                        ("/templates?edit=seed", .ok), ("/templates?new", .ok)] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                    #expect(response.status == viewerStatus, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.cookie: "siaran_session=\(admin.token); lang=id; theme=dark"]) { response in
                    #expect(response.status == (uri == "/campaigns/nope" ? .notFound : .ok), "\(uri)")
                    let html = String(buffer: response.body)
                    #expect(html.contains("data-theme=\"dark\""))
                    #expect(html.contains("lang=\"id\""))
                }
            }
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.setCookie]?.contains("siaran_login_csrf=") == true)
            }
        }
    }
}

/// Sessions for tests: one named `utama` that shows a QR once asked to connect. The QR codes are
/// real (encoded as the client encodes them), so screenshots show what staff would scan.
actor FakeSessions: SessionControl {
    static let firstRef = "2@first-ref-from-the-server,b64-noise-key,b64-identity-key,b64-adv-secret"
    static let secondRef = "2@second-ref-from-the-server,b64-noise-key,b64-identity-key,b64-adv-secret"
    var snapshot = SessionSnapshot(name: "utama", state: "linking", qr: firstRef, qrIndex: 0, qrModules: QRCodeImage(firstRef)?.modules)
    var connects: [String?] = []

    func sessions() async -> [SessionSnapshot] { [snapshot] }

    func connect(session: String, pairingPhone: String?) async throws -> SessionSnapshot {
        guard session == "utama" else { throw DashboardError(.notFound, "no session '\(session)'") }
        connects.append(pairingPhone)
        snapshot.state = "linking"
        if let pairingPhone { snapshot.pairingCode = "ABCD-\(pairingPhone.suffix(4))" } else {
            snapshot.qr = Self.secondRef
            snapshot.qrIndex = 1
            snapshot.qrModules = QRCodeImage(Self.secondRef)?.modules
        }
        return snapshot
    }

    func disconnect(session: String) async throws {
        snapshot = SessionSnapshot(name: "utama", state: "logged-out")
    }
}
