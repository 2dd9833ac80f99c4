import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Pipeline
import Store
import Testing
import Transport

/// The New campaign form without YAML, through the HTTP API: its fields become the drop's
/// `campaign.yaml`, checked by the pipeline's own validator, with refusals beside each field.
@Suite("Dashboard: the New campaign form's options")
struct CampaignFormTests {
    static func post(_ client: some TestClientProtocol, _ uri: String, _ login: DashboardHarness.Login, _ parts: [(String, String?, Data)],
                     language: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        var (headers, body) = multipart(parts)
        headers[.authorization] = "Bearer \(login.token)"
        if let language { headers[.cookie] = "lang=\(language)" }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body) { ($0.status, jsonObject($0.body)) }
    }

    static func text(_ name: String, _ value: String) -> (String, String?, Data) { (name, nil, Data(value.utf8)) }

    static let basics = [text("name", "Promo Natal"), ("numbers", "numbers.txt", Data("081234567890\n081298765432\n".utf8)), text("message", "Halo {name|Kak}!")]

    @Test("every field lands in campaign.yaml, which the pipeline reads back to the same options and schedules")
    func fields() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            let (status, json) = try await Self.post(client, "/api/campaign/create", login, Self.basics + [
                Self.text("send_mode", "later"), Self.text("send_date", "2099-01-02"), Self.text("send_time", "09:30"),
                Self.text("sessions", "utama"), Self.text("sessions", "cadangan"), Self.text("delay_min", "2"), Self.text("delay_max", "5.5"),
                Self.text("approval", "required"), Self.text("priority", "4"), Self.text("variant", "Versi B untuk {name|Kak}"),
                Self.text("best_send_time", "best"),
            ])
            #expect(status == .created, "\(json)")
            let drop = try #require(json["drop"] as? String)
            #expect(drop == "promo-natal")
            // The variants are in campaign.yaml (the message box is variant A): no message.txt.
            #expect(json["files"] as? [String] == ["campaign.yaml", "numbers.txt"])
            let yaml = try String(contentsOfFile: harness.path("inbox/\(drop)/campaign.yaml"), encoding: .utf8)
            let options = try CampaignOptions.parse(yaml, defaultTimeZone: "UTC")
            #expect(options.name == "Promo Natal")
            #expect(options.sendAt == ISO8601DateFormatter().date(from: "2099-01-02T02:30:00Z"), "09:30 in Asia/Jakarta: \(yaml)")
            #expect(yaml.contains("send_at: 2099-01-02T09:30:00+07:00"))
            #expect(options.sessions == ["utama", "cadangan"])
            #expect(options.delayMinimum == 2 && options.delayMaximum == 5.5)
            #expect(options.approvalRequired == true)
            #expect(options.priority == 4)
            #expect(options.variants == ["Halo {name|Kak}!", "Versi B untuk {name|Kak}"])
            #expect(options.bestSendTime == true && yaml.contains("send_time: best\n"))
        }
        // The pipeline takes the drop as it would a folder dropped by hand.
        let context = PipelineContext(
            inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
            optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(),
            pipeline: PipelineConfiguration(watch: WatchConfiguration(quietSeconds: 0)), sessions: ["utama"], database: harness.database,
            transport: DryRunTransport(outbox: harness.path("outbox")), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await PipelineService(context: context, once: true).run()
        let campaign = try #require(try await harness.database.allCampaigns().first)
        #expect(campaign.name == "Promo Natal")
        #expect(campaign.outboxFolder == "promo-natal")
        #expect(campaign.priority == 4)
        #expect(campaign.state == .waitingApproval)
        #expect(campaign.sendAt == ISO8601DateFormatter().date(from: "2099-01-02T02:30:00Z"))
        // Waiting for approval, its page states the plan: from the scheduled time, in the configured zone.
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/campaigns/\(campaign.id)", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<section class=\"card\" id=\"plan\"><h2>Plan (an estimate; times in Asia/Jakarta)</h2>"), "\(html)")
                #expect(html.contains("warm (wrote to us within 30 days)") && html.contains("<li>2099-01-02: utama "))
                #expect(html.contains("Estimated finish: 2099-01-02 09:3"))
            }
        }
    }

    @Test("a refused field comes back beside it, in the words campaign.yaml gets, in the page's language")
    func refusals() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        // What the validator says about the same mistakes in a dropped campaign.yaml.
        func yaml(_ text: String) -> CampaignOptions.Problem? {
            do { _ = try CampaignOptions.parse(text, defaultTimeZone: "Asia/Jakarta"); return nil } catch { return error }
        }
        let delay = try #require(yaml("delay: {min: 9, max: 3}\n"))
        let priority = try #require(yaml("priority: tinggi\n"))
        let sendAt = try #require(yaml("send_at: besok\n"))
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            var (status, json) = try await Self.post(client, "/api/campaign/create", login, Self.basics + [
                Self.text("delay_min", "9"), Self.text("delay_max", "3"), Self.text("priority", "tinggi"),
                Self.text("send_mode", "later"), Self.text("send_date", ""), Self.text("send_time", "09:00"),
            ])
            #expect(status == .badRequest)
            var fields = try #require(json["fields"] as? [String: String], "\(json)")
            #expect(fields["delay"] == delay.message)
            #expect(fields["priority"] == priority.message)
            #expect(fields["send_at"] == sendAt.message)
            #expect(Set(fields.keys) == ["delay", "priority", "send_at"])
            #expect((json["message"] as? String)?.contains("delay:") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.path("inbox")).isEmpty, "nothing dropped")

            // The same in Bahasa Indonesia for a page in Bahasa Indonesia.
            (status, json) = try await Self.post(client, "/api/campaign/create", login, Self.basics + [Self.text("delay_min", "9"), Self.text("delay_max", "3")],
                                                 language: "id")
            fields = json["fields"] as? [String: String] ?? [:]
            #expect(fields["delay"] == delay.indonesian)

            // A field also set in the Advanced campaign.yaml is refused rather than silently overridden.
            (status, json) = try await Self.post(client, "/api/campaign/create", login, Self.basics + [
                Self.text("delay_min", "1"), Self.text("delay_max", "2"), Self.text("options", "delay: {min: 3, max: 4}\nresend: true\n"),
            ])
            #expect(status == .badRequest)
            #expect((json["fields"] as? [String: String])?["delay"]?.contains("keep one") == true, "\(json)")
            // A mistake in the Advanced text is placed beside it, with its line.
            (status, json) = try await Self.post(client, "/api/campaign/create", login, Self.basics + [Self.text("options", "resend: true\nprioritas: 2\n")])
            #expect((json["fields"] as? [String: String])?["options"]?.hasPrefix("campaign.yaml:2:1: unknown key 'prioritas'") == true, "\(json)")
            // Only variant B without a message: variant A is empty.
            (status, json) = try await Self.post(client, "/api/campaign/create", login, [
                ("numbers", "numbers.txt", Data("081234567890\n".utf8)), Self.text("message", " "), Self.text("variant", "Versi B"),
            ])
            #expect((json["fields"] as? [String: String])?["variants"] != nil, "\(json)")

            // The preview checks as create does, so mistakes show while typing.
            (status, json) = try await Self.post(client, "/api/campaign/preview", login, Self.basics + [Self.text("delay_min", "9"), Self.text("delay_max", "3")])
            #expect(status == .ok)
            #expect((json["fields"] as? [String: String])?["delay"] == delay.message)
        }
    }

    @Test("the preview renders WhatsApp formatting as styled runs, without the markers")
    func formattedPreview() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            let (status, json) = try await Self.post(client, "/api/campaign/preview", login, [
                ("numbers", "numbers.txt", Data("081234567890\n".utf8)), Self.text("message", "*Diskon* _besar_ ~mahal~ ```KODE```"),
            ])
            #expect(status == .ok)
            let message = try #require((json["messages"] as? [[String: Any]])?.first)
            let runs = try #require(message["runs"] as? [[String: Any]])
            let styled = runs.map { ($0["text"] as? String ?? "", ($0["style"] as? [String]) ?? []) }
            #expect(styled.prefix(7).map(\.0) == ["Diskon", " ", "besar", " ", "mahal", " ", "KODE"])
            #expect(styled.prefix(7).map(\.1) == [["bold"], [], ["italic"], [], ["strike"], [], ["mono"]])
            #expect((message["text"] as? String)?.hasPrefix("*Diskon*") == true, "the text as sent keeps its markers")
        }
        // The page's own first preview draws the same runs as HTML.
        let page = try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            return try await client.execute(uri: "/campaigns/new", method: .get, headers: [.cookie: "siaran_session=\(login.token)"]) { String(buffer: $0.body) }
        }
        for name in ["send_mode", "send_date", "send_time", "delay_min", "delay_max", "approval", "priority", "options"] {
            #expect(page.contains("name=\"\(name)\""), "the form has no \(name) field")
        }
        #expect(page.contains("name=\"best_send_time\" value=\"best\""), "the form has no best send time box")
        #expect(page.contains("<details class=\"advanced\""), "the YAML box is behind Advanced")
        #expect(page.contains("WIB (UTC+07:00)"), "the schedule says which zone it is in")
        #expect(page.contains("name=\"sessions\" value=\"utama\""))
    }

    @Test("drops waiting for a missing part are listed by the API and on the campaigns page")
    func waitingDrops() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try FileManager.default.createDirectory(atPath: harness.path("inbox/promo"), withIntermediateDirectories: true)
        try "081234567890\n".write(toFile: harness.path("inbox/promo/numbers.txt"), atomically: true, encoding: .utf8)
        for path in ["inbox/promo/numbers.txt", "inbox/promo"] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: harness.path(path))
        }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/api/inbox/waiting", method: .get, headers: login.bearer) { response in
                #expect(response.status == .ok)
                let list = json(response.body) as? [[String: Any]] ?? []
                #expect(list.count == 1)
                #expect(list.first?["name"] as? String == "promo")
                #expect(list.first?["missing"] as? [String] == ["message.txt"])
                #expect(list.first?["files"] as? [String] == ["numbers.txt"])
            }
            try await client.execute(uri: "/campaigns", method: .get, headers: [.cookie: "siaran_session=\(login.token)"]) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("inbox/promo/</b> — waiting for message.txt"), "\(html)")
            }
            try await client.execute(uri: "/campaigns", method: .get, headers: [.cookie: "siaran_session=\(login.token); lang=id"]) { response in
                #expect(String(buffer: response.body).contains("menunggu message.txt"))
            }
        }
    }
}
