import AIWriting
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Reports
import NIOCore
import Store
import Testing
import Yams

/// "Write with AI" and "Improve" on the dashboard: only for operators and admins, only with
/// `ai:` configured, behind CSRF like every POST, every use in the audit log without the key.
@Suite("Dashboard: AI writing")
struct AIDashboardTests {
    static let password = "correct horse battery"

    struct Harness {
        let root: URL
        let dashboard: Dashboard

        /// A dashboard over a new layout, or over `fixture`'s database and outbox.
        init(writer: MessageWriter?, fixture: InsightsFixture? = nil) async throws {
            root = fixture?.root ?? FileManager.default.temporaryDirectory.appendingPathComponent("ai-dashboard-\(UUID())")
            for folder in ["inbox", "outbox", "state/uploads", "templates"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            let database = try fixture?.database ?? SiaranDatabase(path: root.appendingPathComponent("state/siaran.sqlite").path)
            let configuration = DashboardConfiguration(
                inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
                uploads: root.appendingPathComponent("state/uploads").path, jwtSecret: "test-secret-that-is-long-enough-0123456789",
                initialAdmin: ("admin", AIDashboardTests.password), trustForwardedFor: true,
                templates: root.appendingPathComponent("templates").path)
            dashboard = await Dashboard(configuration: configuration, database: database, sessions: nil,
                                        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, bcryptCost: 4, writer: writer)
            try await dashboard.prepare()
            try await dashboard.users.add(username: "ops", password: AIDashboardTests.password, role: .operator)
            try await dashboard.users.add(username: "view", password: AIDashboardTests.password, role: .viewer)
        }

        func close() { try? FileManager.default.removeItem(at: root) }
    }

    struct Login { var token: String; var csrf: String; var cookie: String }

    static func login(_ client: some TestClientProtocol, _ user: String) async throws -> Login {
        try await client.execute(uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"username":"\#(user)","password":"\#(password)"}"#)) { response in
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let cookie = (response.headers[.setCookie] ?? "").split(separator: ";")[0]
            return Login(token: try #require(json["token"] as? String), csrf: try #require(json["csrf"] as? String), cookie: String(cookie))
        }
    }

    static func form(_ fields: [(String, String?, String)]) -> (HTTPFields, ByteBuffer) {
        let boundary = "AIboundary77"
        var body = ""
        for (name, filename, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"" + (filename.map { "; filename=\"\($0)\"" } ?? "") + "\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(string: body))
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    @Test("write: viewers are refused, operators get checked variants rendered through the preview; the audit log has prompt and model, not the key")
    func write() async throws {
        let fake = FakeProvider(.anthropic, answers: [.variants(["Halo {name|Kak}! Kopi susu *beli 1 gratis 1* di {kota|kedai kami}.", "Promo **gratis**"]),
                                                      .variants(["Promo _gratis_ {name|Kak}"])])
        try await fake.serve { url in
            let harness = try await Harness(writer: MessageWriter(model: fake.model(url), settings: .init(company: "Kedai")))
            defer { harness.close() }
            try await Application(router: harness.dashboard.router()).test(.router) { client in
                let (headers, body) = Self.form([("prompt", nil, "Promo kopi susu beli 1 gratis 1"), ("variants", nil, "2"),
                                                 ("numbers", "contacts.csv", "phone,name,kota\n081211112222,Budi,Bandung\n")])
                try await client.execute(uri: "/api/ai/write", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .unauthorized)
                }
                let viewer = try await Self.login(client, "view")
                var asViewer = headers
                asViewer[.authorization] = "Bearer \(viewer.token)"
                try await client.execute(uri: "/api/ai/write", method: .post, headers: asViewer, body: body) { response in
                    #expect(response.status == .forbidden)
                }
                // A cookie login without the CSRF header is refused before the model is asked.
                let ops = try await Self.login(client, "ops")
                var noCSRF = headers
                noCSRF[.cookie] = ops.cookie
                try await client.execute(uri: "/api/ai/write", method: .post, headers: noCSRF, body: body) { response in
                    #expect(response.status == .forbidden)
                    #expect(Self.json(response.body)["error"] as? String == "csrf-token")
                }
                #expect(fake.requests.isEmpty)
                var withCSRF = noCSRF
                withCSRF[HTTPField.Name("X-CSRF-Token")!] = ops.csrf
                try await client.execute(uri: "/api/ai/write", method: .post, headers: withCSRF, body: body) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    let result = Self.json(response.body)
                    let variants = try #require(result["variants"] as? [[String: Any]])
                    #expect(variants.map { $0["text"] as? String } == ["Halo {name|Kak}! Kopi susu *beli 1 gratis 1* di {kota|kedai kami}.", "Promo _gratis_ {name|Kak}"])
                    let rendered = try #require(variants[0]["rendered"] as? [String: Any])
                    #expect(rendered["text"] as? String == "Halo Budi! Kopi susu *beli 1 gratis 1* di Bandung.\n\nBalas STOP untuk berhenti menerima pesan.")
                    #expect(result["model"] as? String == "anthropic claude-test at \(url.absoluteString)")
                    #expect((result["message"] as? String)?.contains("\n---\n") == true)
                }
                let admin = try await Self.login(client, "admin")
                try await client.execute(uri: "/api/audit", method: .get, headers: [.authorization: "Bearer \(admin.token)"]) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains("ai.write"))
                    #expect(text.contains("Promo kopi susu beli 1 gratis 1"))
                    #expect(text.contains("claude-test"))
                    #expect(!text.contains(testKey) && !text.contains(testKey.suffix(8)))
                }
            }
        }
    }

    @Test("a suggested answer in the Inbox: drafted from the conversation for operators, never sent; viewers are refused")
    func suggestedAnswer() async throws {
        let fake = FakeProvider(.anthropic, answers: [.variants(["Harganya Rp 50.000, Kak. Mau pesan berapa?"])])
        try await fake.serve { url in
            let harness = try await Harness(writer: MessageWriter(model: fake.model(url), settings: .init(company: "Kedai")))
            defer { harness.close() }
            let database = harness.dashboard.database
            try await database.recordReply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Berapa harganya, Kak?", at: Date(), isOptOut: false)
            try await Application(router: harness.dashboard.router()).test(.router) { client in
                let viewer = try await Self.login(client, "view")
                try await client.execute(uri: "/api/conversations/6281234567890/suggest", method: .post,
                                         headers: [.authorization: "Bearer \(viewer.token)"]) { #expect($0.status == .forbidden) }
                let ops = try await Self.login(client, "ops")
                let page = try await client.execute(uri: "/conversations?phone=6281234567890", method: .get,
                                                    headers: [.authorization: "Bearer \(ops.token)"]) { String(buffer: $0.body) }
                #expect(page.contains("data-suggest=\"6281234567890\""), "the answer box offers a suggestion when ai: is configured")
                try await client.execute(uri: "/api/conversations/6281234567890/suggest", method: .post,
                                         headers: [.authorization: "Bearer \(ops.token)"]) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    #expect(Self.json(response.body)["text"] as? String == "Harganya Rp 50.000, Kak. Mau pesan berapa?")
                }
            }
            // The model saw the customer's text; nothing was sent or queued.
            let asked = fake.hits.withLock { $0.map { String(decoding: $0.raw, as: UTF8.self) } }
            #expect(asked.count == 1 && asked[0].contains("Customer: Berapa harganya, Kak?"))
            #expect(try await database.queuedAnswers().isEmpty)
            #expect(try await database.conversation(phone: "6281234567890")?.entries.allSatisfy { $0.kind != .answer } == true)
        }
        // Without ai: there is no button and the call says how to configure it.
        let plain = try await Harness(writer: nil)
        defer { plain.close() }
        try await plain.dashboard.database.recordReply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Halo", at: Date(), isOptOut: false)
        try await Application(router: plain.dashboard.router()).test(.router) { client in
            let ops = try await Self.login(client, "ops")
            let page = try await client.execute(uri: "/conversations?phone=6281234567890", method: .get,
                                                headers: [.authorization: "Bearer \(ops.token)"]) { String(buffer: $0.body) }
            #expect(!page.contains("data-suggest"))
            try await client.execute(uri: "/api/conversations/6281234567890/suggest", method: .post,
                                     headers: [.authorization: "Bearer \(ops.token)"]) { #expect($0.status == .notFound) }
        }
    }

    @Test("improve: the improved text, a diff and what changed; a provider failure comes back in the page's language")
    func improve() async throws {
        let fake = FakeProvider(.openai, answers: [.improvements([("Halo {name|Kak}! Kopi *1+1* akhir pekan.", ["Lebih singkat"])]),
                                                   .error(529, message: "Overloaded"), .error(529, message: "Overloaded"), .error(529, message: "Overloaded")])
        try await fake.serve { url in
            let model = fake.model(url)
            let harness = try await Harness(writer: MessageWriter(model: model, settings: .init()))
            defer { harness.close() }
            try await Application(router: harness.dashboard.router()).test(.router) { client in
                let ops = try await Self.login(client, "ops")
                var (headers, body) = Self.form([("message", nil, "---\nname: promo\n---\nHalo {name|Kak}, ada promo kopi susu beli satu gratis satu akhir pekan."),
                                                 ("goal", nil, "shorter"), ("language", nil, "id")])
                headers[.authorization] = "Bearer \(ops.token)"
                try await client.execute(uri: "/api/ai/improve", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    let result = Self.json(response.body)
                    #expect(result["text"] as? String == "---\nname: promo\n---\nHalo {name|Kak}! Kopi *1+1* akhir pekan.\n")
                    let diff = try #require(result["diff"] as? [[String: String]])
                    #expect(diff.contains { $0["kind"] == "added" && $0["text"] == "Halo {name|Kak}! Kopi *1+1* akhir pekan." })
                    #expect(((result["variants"] as? [[String: Any]])?.first?["changes"] as? [String]) == ["Lebih singkat"])
                }
                // 529 three times (the retries are recorded, not slept): a 503 in Indonesian for an Indonesian page.
                (headers, body) = Self.form([("message", nil, "Halo"), ("goal", nil, "clearer")])
                headers[.authorization] = "Bearer \(ops.token)"
                headers[.cookie] = "lang=id"
                try await client.execute(uri: "/api/ai/improve", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect((Self.json(response.body)["message"] as? String)?.contains("sedang sibuk") == true)
                }
            }
        }
    }

    @Test("the buttons: on the new-campaign page and in the template editor for operators; not for viewers, not without ai:")
    func pages() async throws {
        let fake = FakeProvider(.anthropic)
        try await fake.serve { url in
            let withAI = try await Harness(writer: MessageWriter(model: fake.model(url), settings: .init()))
            let without = try await Harness(writer: nil)
            defer { withAI.close(); without.close() }
            func page(_ harness: Harness, _ user: String, _ uri: String) async throws -> String {
                try await Application(router: harness.dashboard.router()).test(.router) { client in
                    let login = try await Self.login(client, user)
                    return try await client.execute(uri: uri, method: .get, headers: [.cookie: login.cookie]) { String(buffer: $0.body) }
                }
            }
            for uri in ["/campaigns/new", "/templates?new"] {
                let operatorPage = try await page(withAI, "ops", uri)
                #expect(operatorPage.contains("id=\"ai-tools\"") && operatorPage.contains("id=\"ai-write\"") && operatorPage.contains("id=\"ai-improve\""), "\(uri)")
                #expect(try await !page(without, "ops", uri).contains("ai-tools"), "\(uri) without ai:")
            }
            #expect(try await !page(withAI, "view", "/templates").contains("ai-tools"))
            // Without ai: the endpoints answer 404 with how to turn it on.
            try await Application(router: without.dashboard.router()).test(.router) { client in
                let ops = try await Self.login(client, "ops")
                var (headers, body) = Self.form([("prompt", nil, "Promo")])
                headers[.authorization] = "Bearer \(ops.token)"
                try await client.execute(uri: "/api/ai/write", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .notFound)
                    #expect((Self.json(response.body)["message"] as? String)?.contains("add an ai: section") == true)
                }
            }
        }
    }

    @Test("the campaign page shows the insights: the checked model wording from the last report, else the rule-written paragraph")
    func insights() async throws {
        let fixture = try await InsightsFixture()
        defer { fixture.close() }
        let harness = try await Harness(writer: nil, fixture: fixture)
        func page() async throws -> String {
            try await Application(router: harness.dashboard.router()).test(.router) { client in
                let login = try await Self.login(client, "view")
                return try await client.execute(uri: "/campaigns/\(fixture.campaign)", method: .get, headers: [.cookie: login.cookie]) { String(buffer: $0.body) }
            }
        }
        let rules = try await fixture.insights(.english)
        let plain = try await page()
        #expect(plain.contains("Insights") && plain.contains("Variant B did better: 20.4% of its recipients replied"))
        #expect(plain.contains("Written by Siaran from the figures above."))

        try FileManager.default.createDirectory(atPath: fixture.folder(), withIntermediateDirectories: true)
        let honest = "Variant B clearly won: 20.4% replied against 5.1%, and we are 99% sure."
        try InsightsFile(insights: rules.accepting(honest, model: "anthropic claude-test").insights, reworded: honest, model: "anthropic claude-test",
                         refused: [], generatedAt: Date()).write(folder: fixture.folder(), campaign: fixture.campaign)
        let worded = try await page()
        #expect(worded.contains(honest))
        #expect(worded.contains("Worded by anthropic claude-test from Siaran&#39;s draft"))

        // A stored wording with a number the campaign does not have is never shown.
        let invented = "Variant B won by 42%."
        try InsightsFile(insights: rules, reworded: invented, model: "anthropic claude-test", refused: ["42"], generatedAt: Date())
            .write(folder: fixture.folder(), campaign: fixture.campaign)
        let refused = try await page()
        #expect(!refused.contains(invented) && refused.contains("Variant B did better"))
    }

    @Test("docs/openapi.yaml documents both endpoints")
    func openAPI() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        for path in ["/api/ai/write", "/api/ai/improve"] {
            let operations = try #require(paths[path] as? [String: Any], "\(path) is not documented")
            #expect(operations["post"] != nil)
        }
    }
}
