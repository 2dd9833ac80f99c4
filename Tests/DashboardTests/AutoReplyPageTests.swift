import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiaranTestSupport
import Testing

@Suite("Dashboard: the auto-reply rules editor (admins only, checked before saving, audited)")
struct AutoReplyPageTests {
    @Test("operators and viewers get 403; a file with problems is refused with their lines and not written; a good one is saved and audited")
    func editor() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        let file = harness.path("autoreply.yaml")
        try await harness.application.test(.router) { client in
            let admin = try await DashboardHarness.login(client, .admin)
            let ops = try await DashboardHarness.login(client, .operator)
            let viewer = try await DashboardHarness.login(client, .viewer)
            let good = "rules:\n  - name: harga\n    keywords: [harga, berapa]\n    answer: \"Halo {nama|Kak}, Rp 50.000\"\ndefault: Terima kasih\n"
            let goodJSON = String(decoding: try JSONEncoder().encode(["text": good]), as: UTF8.self)
            for login in [ops, viewer] {
                var (status, _, _) = try await ContactsTests.send(client, login, .get, "/api/autoreply")
                #expect(status == .forbidden)
                (status, _, _) = try await ContactsTests.send(client, login, .put, "/api/autoreply", json: goodJSON)
                #expect(status == .forbidden)
                (status, _, _) = try await ContactsTests.send(client, login, .get, "/autoreply")
                #expect(status == .forbidden)
            }
            #expect(!FileManager.default.fileExists(atPath: file))

            var (status, body, text) = try await ContactsTests.send(client, admin, .get, "/api/autoreply")
            #expect(status == .ok, "\(text)")
            #expect((body as? [String: Any])?["exists"] as? Bool == false)

            let bad = "rules:\n  - name: harga\n    keywords: [harga]\n    anwser: Rp 50.000\n  - name: pola\n    regex: \"(tutup\"\n    answer: ok\n"
            (status, body, text) = try await ContactsTests.send(client, admin, .put, "/api/autoreply",
                                                                json: String(decoding: try JSONEncoder().encode(["text": bad]), as: UTF8.self))
            #expect(status == .badRequest, "\(text)")
            let problems = try #require((body as? [String: Any])?["problems"] as? [[String: Any]])
            #expect(problems.contains { $0["line"] as? Int == 4 && $0["column"] as? Int == 5 && ($0["message"] as? String)?.contains("anwser") == true }, "\(problems)")
            #expect(problems.contains { $0["line"] as? Int == 6 && ($0["message"] as? String)?.contains("regular expression") == true })
            #expect(((body as? [String: Any])?["message"] as? String)?.contains("autoreply.yaml:4:5:") == true)
            #expect(!FileManager.default.fileExists(atPath: file), "a file with problems is never written")

            // The example a new file starts from passes the check.
            (status, _, text) = try await ContactsTests.send(client, admin, .post, "/api/autoreply/check",
                                                             json: String(decoding: try JSONEncoder().encode(["text": Dashboard.autoReplyExample]), as: UTF8.self))
            #expect(status == .ok, "\(text)")
            (status, body, text) = try await ContactsTests.send(client, admin, .post, "/api/autoreply/check", json: goodJSON)
            #expect(status == .ok, "\(text)")
            #expect(!FileManager.default.fileExists(atPath: file), "checking does not save")
            (status, body, text) = try await ContactsTests.send(client, admin, .put, "/api/autoreply", json: goodJSON)
            #expect(status == .ok, "\(text)")
            #expect(((body as? [String: Any])?["summary"] as? String)?.contains("1 rule(s)") == true)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == good)
            (status, body, _) = try await ContactsTests.send(client, admin, .get, "/api/audit?limit=10")
            let audit = ((body as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            #expect(audit.contains("autoreply.save") && audit.contains("autoreply.refused"), "\(audit)")

            (status, _, text) = try await ContactsTests.send(client, admin, .get, "/autoreply")
            #expect(status == .ok)
            #expect(text.contains("id=\"autoreply-editor\"") && text.contains("keywords: [harga, berapa]"))
        }
    }
}
