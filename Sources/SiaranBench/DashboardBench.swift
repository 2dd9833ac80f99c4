import Dashboard
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Logging
import Store

/// The dashboard over real HTTP on a database holding a year of campaigns: how long each page and
/// API call takes, one client at a time and eight at once, and how many live pages (SSE) the
/// daemon can carry. `sqlite3` running the campaigns' count query by hand is the floor beside it.
enum DashboardBench {
    static let password = "bench password 123"

    static func run(arguments: [String]) async throws {
        let campaigns = 100, perCampaign = arguments.contains("--quick") ? 1_000 : 10_000
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-dashboard-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["inbox", "outbox", "state/uploads", "templates"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let databasePath = root.appendingPathComponent("state/siaran.sqlite").path
        let database = try SiaranDatabase(path: databasePath)
        let fill = try await Bench.time { try await populate(database, campaigns: campaigns, perCampaign: perCampaign) }
        print("database: \(campaigns) campaigns × \(perCampaign) messages = \(campaigns * perCampaign) messages, filled in \(Bench.seconds(fill))")

        let port = 18_000 + Int.random(in: 0..<2_000)
        let configuration = DashboardConfiguration(
            port: port, inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
            uploads: root.appendingPathComponent("state/uploads").path, jwtSecret: "bench-secret-that-is-long-enough-0123456789",
            initialAdmin: ("admin", password), requestsPerMinute: 10_000_000)
        let dashboard = await Dashboard(configuration: configuration, database: database, sessions: nil,
                                        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let server = Task { try await DashboardService(dashboard: dashboard).run() }
        defer { server.cancel() }
        let client = try await Client.connect(port: port)

        let live = "c099", finished = "c050"
        let paths = [
            "/", "/campaigns", "/campaigns/\(live)", "/campaigns/\(finished)", "/contacts", "/reports",
            "/api/campaigns", "/api/campaigns/\(live)", "/api/campaigns/\(live)/messages", "/api/me",
        ]
        print("GET, one client (median / p95 of 40), then 8 clients at once (requests/s):")
        for path in paths {
            var times: [Double] = []
            for _ in 0..<40 { times.append(try await Bench.time { try await client.get(path) }) }
            times.sort()
            let concurrent = try await Bench.time {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 { group.addTask { for _ in 0..<10 { try await client.get(path) } } }
                    try await group.waitForAll()
                }
            }
            print("  \(path.padding(toLength: 34, withPad: " ", startingAt: 0)) \(milliseconds(times[20])) / \(milliseconds(times[37]))   \(Int(80 / concurrent)) req/s")
        }

        // Live pages: each open tab holds one event stream that looks at the campaigns every second.
        for tabs in [1, 10, 50] {
            let streams = (0..<tabs).map { _ in Task { try? await client.get("/api/events?duration=6") } }
            try await Task.sleep(for: .seconds(1))
            var times: [Double] = []
            for _ in 0..<20 { times.append(try await Bench.time { try await client.get("/api/campaigns/\(live)") }) }
            times.sort()
            for stream in streams { _ = await stream.value }
            print("  with \(tabs) live tabs open: GET /api/campaigns/\(live) median \(milliseconds(times[10])), p95 \(milliseconds(times[18]))")
        }
        print("peak \(Bench.megabytes(Bench.peakResidentBytes()))")

        let query = "SELECT campaignId, state, COUNT(*), SUM(repliedAt IS NOT NULL) FROM messages GROUP BY campaignId, state;"
        if let floor = try? Bench.external("sqlite3 \(Bench.shellQuote(databasePath)) \(Bench.shellQuote(query)) > /dev/null") {
            print("sqlite3 CLI, every campaign's counts by hand: \(milliseconds(floor.seconds))")
        }
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%7.2f ms", seconds * 1000) }

    /// A year of work: finished campaigns with receipts and replies, and one still sending.
    static func populate(_ database: SiaranDatabase, campaigns: Int, perCampaign: Int) async throws {
        try await Bench.rawSQLite(database).write { db in
            let campaign = try db.makeStatement(sql: """
                INSERT INTO campaigns (id, name, state, createdAt, startedAt, finishedAt, spoolPath) VALUES (?, ?, ?, ?, ?, ?, 'x')
                """)
            let contact = try db.makeStatement(sql: "INSERT INTO contacts (campaignId, phone, line, variant) VALUES (?, ?, ?, ?)")
            let message = try db.makeStatement(sql: """
                INSERT INTO messages (id, campaignId, contactId, phone, session, variant, text, state, reason, queuedAt, sentAt,
                                      deliveredAt, readAt, repliedAt, failedAt)
                VALUES (?, ?, ?, ?, 'toko', ?, 'Halo Kak, promo minggu ini', ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var random = SystemRandomNumberGenerator()
            let start = Date(timeIntervalSince1970: 1_764_547_200) // 2025-12-01
            for c in 0..<campaigns {
                let id = String(format: "c%03d", c), created = start.addingTimeInterval(Double(c) * 3 * 86_400)
                let sending = c == campaigns - 1
                try campaign.execute(arguments: [id, "Promo \(c + 1)", sending ? "sending" : "done", created, created,
                                                 sending ? nil : created.addingTimeInterval(14_400)])
                for m in 0..<perCampaign {
                    let phone = "628\(String(format: "%02d", c))\(String(format: "%08d", m))"
                    let variant = m % 2 == 0 ? "A" : "B"
                    try contact.execute(arguments: [id, phone, m + 1, variant])
                    let sentAt = created.addingTimeInterval(Double(m) * 4.5)
                    let roll = Int.random(in: 0..<100, using: &random)
                    let state: String
                    switch (sending && m > perCampaign / 2, roll) {
                    case (true, _): state = "pending"
                    case (_, 0..<4): state = "failed"
                    case (_, 4..<20): state = "sent"
                    case (_, 20..<55): state = "delivered"
                    default: state = "read"
                    }
                    let left = state != "pending" && state != "failed"
                    try message.execute(arguments: [
                        "3EB0\(id)\(m)", id, db.lastInsertedRowID, phone, variant, state,
                        state == "failed" ? "not-on-whatsapp" : nil, created,
                        left ? sentAt : nil, ["delivered", "read"].contains(state) ? sentAt + 5 : nil,
                        state == "read" ? sentAt + 600 : nil, state == "read" && roll > 95 ? sentAt + 900 : nil,
                        state == "failed" ? sentAt : nil,
                    ])
                }
            }
        }
    }

    /// Logs in once, then sends bearer-token GETs; every answer must be 200.
    struct Client: Sendable {
        let base: String
        let token: String
        let session: URLSession

        static func connect(port: Int) async throws -> Client {
            let base = "http://127.0.0.1:\(port)"
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 64
            configuration.timeoutIntervalForRequest = 60
            let session = URLSession(configuration: configuration)
            var request = URLRequest(url: URL(string: base + "/api/login")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"username":"admin","password":"\#(password)"}"#.utf8)
            for _ in 0..<100 {
                if let (data, response) = try? await session.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200,
                   let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let token = json["token"] as? String {
                    return Client(base: base, token: token, session: session)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw BenchFailure("the dashboard did not answer a login on port \(port)")
        }

        func get(_ path: String) async throws {
            var request = URLRequest(url: URL(string: base + path)!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (_, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else { throw BenchFailure("GET \(path) answered \(status)") }
        }
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
