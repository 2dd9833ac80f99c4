import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Dashboard
import Monitoring
import Siaran
import SiaranTestSupport
import Store
import Testing

@Suite("/metrics, /healthz and /readyz over HTTP")
struct MonitoringTests {
    /// One open campaign with three messages, one of them sent.
    private func fill(_ database: SiaranDatabase) async throws {
        let drop = DropRecord(id: "drop-live", name: "live", contentHash: "hash-live", outcome: "accepted", campaignId: "live")
        try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: "live", name: "live", dropId: drop.id, spoolPath: "/tmp/live", options: "{}"))
        try await database.recordContacts(campaign: "live", accepted: (0..<3).map {
            NewContact(phone: "6281200000\($0)", line: $0 + 1, variablesJSON: "{}")
        }, rejected: [], summary: "accepted=3")
        let contacts = try await database.contacts(of: "live")
        try await database.recordRenderedMessages(campaign: "live", messages: contacts.enumerated().map { index, contact in
            NewMessage(id: "live-m\(index)", contactId: contact.id, phone: contact.phone, variant: nil, text: "Halo")
        }, queuedAt: Date())
        try await database.setState(.sending, of: "live")
        try await database.markSending("live-m0", session: "utama")
        try await database.markSent("live-m0", at: Date())
    }

    private func service(_ database: SiaranDatabase, inbox: String, token: String? = nil) -> MetricsService {
        MetricsService(metrics: SiaranMetrics(database: database, inbox: inbox), host: "127.0.0.1", port: 0, token: token,
                       logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test("the database's figures and the recorded counters, in the Prometheus text format, without a login",
          arguments: TestDatabaseKind.allCases)
    func exposition(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        try await fill(test.database)
        SiaranMetrics.bootstrap()
        Counter(label: "siaran_sends_total", dimensions: [("session", "utama"), ("outcome", "sent")]).increment()
        let inbox = FileManager.default.temporaryDirectory.path
        try await service(test.database, inbox: inbox).application().test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE siaran_messages gauge"))
                #expect(text.contains(#"siaran_messages{state="pending"} 2"#), "\(text)")
                #expect(text.contains(#"siaran_messages{state="sent"} 1"#))
                #expect(text.contains("siaran_queue_depth 2"))
                #expect(text.contains(#"siaran_campaign_progress_ratio{campaign="live"} 0.333"#))
                #expect(text.contains(#"siaran_sends_total{session="utama",outcome="sent"}"#) || text.contains(#"siaran_sends_total{outcome="sent",session="utama"}"#))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ready\n")
            }
        }
    }

    @Test("with SIARAN_METRICS_TOKEN set, /metrics asks for it as a bearer token; health answers without")
    func token() async throws {
        let test = try await TestDatabase.make(.sqlite)
        defer { test.remove() }
        try await service(test.database, inbox: FileManager.default.temporaryDirectory.path, token: "rahasia-metrik")
            .application().test(.live) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect(!String(buffer: response.body).contains("rahasia"))
                }
                try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer salah"]) { response in
                    #expect(response.status == .unauthorized)
                }
                try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer rahasia-metrik"]) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("siaran_open_campaigns 0"))
                }
                try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
            }
    }

    @Test("/readyz says 503 and why when the inbox cannot be used")
    func notReady() async throws {
        let test = try await TestDatabase.make(.sqlite)
        defer { test.remove() }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-inbox-\(UUID())").path
        try await service(test.database, inbox: missing).application().test(.live) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("inbox: No such file or directory"))
            }
        }
    }

    @Test("the daemon with its dashboard serves them on the dashboard's port without a login")
    func withDashboard() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-metrics-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = SiaranConfiguration()
        configuration.paths = .init(
            inbox: folder.appendingPathComponent("inbox").path, outbox: folder.appendingPathComponent("outbox").path,
            state: folder.appendingPathComponent("state").path, templates: folder.appendingPathComponent("templates").path
        )
        configuration.dashboard.enabled = true
        configuration.dashboard.port = 0
        configuration.secrets.jwtSecret = String(repeating: "k", count: 40)
        let application = try await SiaranApplication(configuration: configuration, console: false)
        let services = try await application.services()
        let dashboard = try #require(services.compactMap { $0 as? DashboardService }.first)
        try await dashboard.application().test(.router) { client in
            for path in ["/metrics", "/healthz", "/readyz"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                }
            }
            try await client.execute(uri: "/api/me", method: .get) { response in
                #expect(response.status == .unauthorized, "the dashboard's own routes still need a login")
            }
        }
    }
}
