import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SiaranTestSupport
import Testing
import WhatsAppSimulator

/// The dashboard as the daemon serves it (`siaran run` with `dashboard.enabled`), driven over
/// HTTP like a script would: the first admin from the environment logs in, links the number by
/// the QR code the API hands out, uploads a campaign, watches it to done, downloads the report,
/// adds a second number by pairing code, and logs out.
@Suite("Dashboard served by the daemon, against the simulator", .serialized)
struct DashboardDaemonTests {
    static let sender = "6281100000021"
    static let second = "6281100000022"
    static let password = "daemon admin password"

    /// A small HTTP client over URLSession that keeps the bearer token.
    final class Client: @unchecked Sendable {
        /// Without cookies: `URLSession.shared` keeps the login cookie one daemon sets for
        /// 127.0.0.1 (cookies ignore the port) and sends it to another test's daemon, which then
        /// takes the request for a browser's and asks for the CSRF token.
        static let session: URLSession = {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpCookieStorage = nil
            configuration.httpShouldSetCookies = false
            return URLSession(configuration: configuration)
        }()
        let base: URL
        var token: String?
        init(base: URL) { self.base = base }

        func call(_ method: String, _ path: String, json: String? = nil, body: Data? = nil, contentType: String? = nil) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: path, relativeTo: base)!)
            request.httpMethod = method
            request.timeoutInterval = 20
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let json {
                request.httpBody = Data(json.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            } else if let body {
                request.httpBody = body
                request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await Self.session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        func object(_ method: String, _ path: String, json: String? = nil) async throws -> [String: Any] {
            let (_, data) = try await call(method, path, json: json)
            return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        }

        func list(_ path: String) async throws -> [[String: Any]] {
            let (_, data) = try await call("GET", path)
            return (try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
        }
    }

    /// A port nobody listens on right now.
    static func freePort() -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 20_000...45_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if bound == 0 { return port }
        }
        return 38_123
    }

    @Test("log in, link by QR, upload, watch to done, download the report, add a number by code, log out", .timeLimit(.minutes(6)))
    func daemonDashboard() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-dashboard-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let customers = (1...5).map { "62813" + String(format: "%08d", 500 + $0) }
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: Self.sender), SimulatedAccount(phone: Self.second)]
            + customers.map { SimulatedAccount(phone: $0, behaviour: RecipientBehaviour(reads: true)) })
        let port = Self.freePort()
        try SimulatorDaemonConfiguration.write(to: folder, simulator: simulator, extra: "dashboard: {enabled: true, host: 127.0.0.1, port: \(port)}")

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_JWT_SECRET"] = "a-test-secret-that-is-long-enough-for-jwt-0123"
        environment["SIARAN_ADMIN_USER"] = "boss"
        environment["SIARAN_ADMIN_PASSWORD"] = Self.password
        let log = folder.appendingPathComponent("daemon.log")
        let logDescriptor = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let process = try ChildProcess(CommandLineTests.executable.path, ["run"], descriptors: [1: logDescriptor, 2: logDescriptor],
                                       directory: folder.path, environment: environment)
        close(logDescriptor)
        defer {
            process.kill(SIGKILL)
            process.waitUntilExitBlocking()
        }
        func daemonLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        let client = Client(base: URL(string: "http://127.0.0.1:\(port)")!)
        #expect(await eventually(timeout: .seconds(90)) { (try? await client.call("GET", "/login").0) == 200 }, "dashboard did not start:\n\(daemonLog())")

        // The first admin comes from the environment.
        let login = try await client.object("POST", "/api/login", json: #"{"username":"boss","password":"\#(Self.password)"}"#)
        client.token = try #require(login["token"] as? String, "login failed: \(login)\n\(daemonLog())")
        #expect(login["role"] as? String == "admin")

        // Link the configured number with the QR code the API returns, as the sessions page does.
        // The answer carries the first QR when it came within a few seconds; on a loaded machine it
        // may come later, and the page then gets it from the event stream or the session list.
        let linking = try await client.object("POST", "/api/whatsapp/connect", json: #"{"session":"utama"}"#)
        #expect(linking["state"] as? String == "linking", "\(linking)")
        @Sendable func shown(_ key: String, of session: String) async -> String? {
            (try? await client.list("/api/sessions"))?.first { $0["name"] as? String == session }?[key] as? String
        }
        func eventuallyShown(_ key: String, of session: String, answer: [String: Any]) async -> String? {
            if let value = answer[key] as? String { return value }
            _ = await eventually(timeout: .seconds(90)) { await shown(key, of: session) != nil }
            return await shown(key, of: session)
        }
        let qr = try #require(await eventuallyShown("qr", of: "utama", answer: linking), "no QR in \(linking) nor in the session list\n\(daemonLog())")
        let (svgStatus, svg) = try await client.call("GET", "/api/sessions/utama/qr.svg")
        #expect(svgStatus == 200 && String(decoding: svg, as: UTF8.self).hasPrefix("<svg"))
        try await simulator.scanQR(qr, phone: Self.sender)
        #expect(await eventually(timeout: .seconds(90)) {
            (try? await client.list("/api/sessions"))?.contains { $0["name"] as? String == "utama" && $0["state"] as? String == "connected" && $0["phone"] as? String == Self.sender } == true
        }, "utama did not connect:\n\(daemonLog())")

        // Upload a campaign: five customers and one line that is not a number.
        let boundary = "siaran-test-boundary"
        var body = Data()
        for (name, filename, value) in [("name", nil, "promo-dashboard"), ("numbers", "numbers.txt", (customers + ["bukan nomor"]).joined(separator: "\n")),
                                        ("message", nil, "Halo {name|Kak}, ada promo!")] as [(String, String?, String)] {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(filename.map { "; filename=\"\($0)\"" } ?? "")\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        let (created, createdBody) = try await client.call("POST", "/api/campaign/create", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(created == 201, "\(String(decoding: createdBody, as: UTF8.self))")

        @Sendable func ours() async -> [String: Any]? {
            (try? await client.list("/api/campaigns"))?.first { ($0["name"] as? String)?.hasPrefix("promo-dashboard") == true }
        }
        let finished = await eventually(timeout: .seconds(180)) { await ours()?["state"] as? String == "done" }
        let campaign = try #require(await ours(), "no campaign appeared:\n\(daemonLog())")
        #expect(finished, "the campaign did not finish: \(campaign)\n\(daemonLog())")
        let counts = campaign["counts"] as? [String: Any] ?? [:]
        #expect(counts["total"] as? Int == 5)
        #expect(counts["failed"] as? Int == 0)
        let id = try #require(campaign["id"] as? String)
        for customer in customers {
            #expect(await simulator.decryptedMessages.contains { $0.recipientPhone == customer && $0.text?.hasPrefix("Halo Kak, ada promo!") == true })
        }
        // The end state is recorded first; the reports follow a moment later.
        let wanted: Set<String> = ["report.csv", "report.pdf", "report.xlsx", "rejected.csv"]
        @Sendable func reports() async -> Set<String> {
            Set((try? await client.list("/api/reports/\(id)"))?.compactMap { $0["name"] as? String } ?? [])
        }
        let listed = await eventually(timeout: .seconds(90)) { await wanted.isSubset(of: reports()) }
        let shown = await reports()
        #expect(listed, "\(shown.sorted())")
        let (csvStatus, csv) = try await client.call("GET", "/api/reports/\(id)/report.csv")
        #expect(csvStatus == 200)
        #expect(String(decoding: csv, as: UTF8.self).split(separator: "\r\n").count == 6)

        // A second number by pairing code, while the daemon runs.
        let pairing = try await client.object("POST", "/api/whatsapp/connect", json: #"{"session":"kedua","phone":"\#(Self.second)"}"#)
        let code = try #require(await eventuallyShown("pairingCode", of: "kedua", answer: pairing), "no pairing code in \(pairing)\n\(daemonLog())")
        try await simulator.enterPairingCode(code, phone: Self.second)
        #expect(await eventually(timeout: .seconds(90)) {
            (try? await client.list("/api/sessions"))?.contains { $0["name"] as? String == "kedua" && $0["state"] as? String == "connected" } == true
        })

        // Logging out ends this token at once.
        #expect(try await client.call("POST", "/api/logout").0 == 200)
        #expect(try await client.call("GET", "/api/me").0 == 401)

        process.terminate()
        await waitForExit(process)
        await simulator.stop()
        #expect(!daemonLog().contains(client.token ?? "-"), "a token reached the log")
        #expect(!daemonLog().contains(Self.password), "the admin password reached the log")
    }
}
