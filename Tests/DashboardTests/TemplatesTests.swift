@testable import Store
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Pipeline
import Templates
import Testing

@Suite("Dashboard: templates in templates/, validated on save")
struct TemplatesTests {
    @Test("create, list with a rendered sample, update, delete; a campaign's template: NAME finds it")
    func lifecycle() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let ops = try await DashboardHarness.login(client, .operator)
            let body = "---\ndescription: Lebaran promo\n---\n{Halo|Hai} {name|Kak}, diskon 20%!\n"
            var (status, json, text) = try await ContactsTests.send(client, ops, .put, "/api/templates/lebaran",
                                                                      json: #"{"body":\#(String(decoding: try JSONEncoder().encode(body), as: UTF8.self))}"#)
            #expect(status == .created, "\(text)")
            #expect(try String(contentsOfFile: harness.path("templates/lebaran.txt"), encoding: .utf8) == body)
            let saved = try #require(json as? [String: Any])
            let sample = try #require(saved["sample"] as? String)
            #expect(sample.hasSuffix("Budi, diskon 20%!\n\nBalas STOP untuk berhenti menerima pesan."), "\(sample)")
            #expect(saved["description"] as? String == "Lebaran promo")
            // The pipeline's own lookup finds it by name.
            let found = try TemplateLibrary(folder: harness.path("templates")).template(named: "LEBARAN")
            #expect(found.metadata.description == "Lebaran promo")
            let options = try CampaignOptions.parse("template: lebaran\n", defaultTimeZone: "Asia/Jakarta")
            #expect(try CampaignInputs.template(options: options, templates: harness.path("templates"), message: nil) != nil)

            (status, _, _) = try await ContactsTests.send(client, ops, .put, "/api/templates/lebaran", json: #"{"body":"Halo {name|Kak}!"}"#)
            #expect(status == .ok)
            let viewer = try await DashboardHarness.login(client, .viewer)
            (status, json, _) = try await ContactsTests.send(client, viewer, .get, "/api/templates")
            let list = try #require((json as? [String: Any])?["templates"] as? [[String: Any]])
            #expect(list.map { $0["name"] as? String } == ["lebaran"])
            (status, json, _) = try await ContactsTests.send(client, viewer, .get, "/api/templates/lebaran")
            #expect((json as? [String: Any])?["body"] as? String == "Halo {name|Kak}!")
            (status, _, _) = try await ContactsTests.send(client, viewer, .delete, "/api/templates/lebaran")
            #expect(status == .forbidden)
            (status, _, _) = try await ContactsTests.send(client, ops, .delete, "/api/templates/lebaran")
            #expect(status == .ok)
            #expect(!FileManager.default.fileExists(atPath: harness.path("templates/lebaran.txt")))
            (status, _, _) = try await ContactsTests.send(client, ops, .get, "/api/templates/lebaran")
            #expect(status == .notFound)
        }
        let audit = try await harness.database.read { db in try db.query("SELECT action FROM auditLog WHERE action LIKE 'template.%' ORDER BY id").map { try $0.string(at: 0) } }
        #expect(audit == ["template.create", "template.update", "template.delete"])
    }

    @Test("syntax errors come back as 400 with the line and nothing is written; unsafe names are refused")
    func refusals() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try "Lama {name|Kak}\n".write(toFile: harness.path("templates/lama.txt"), atomically: true, encoding: .utf8)
        try await harness.application.test(.router) { client in
            let ops = try await DashboardHarness.login(client, .operator)
            var (status, json, text) = try await ContactsTests.send(client, ops, .put, "/api/templates/promo", json: #"{"body":"Halo\nini {name|Kak\nx"}"#)
            #expect(status == .badRequest, "\(text)")
            let error = try #require(json as? [String: Any])
            #expect(error["line"] as? Int == 2, "\(error)")
            #expect((error["message"] as? String)?.contains("promo.txt:2:") == true, "\(error)")
            #expect(!FileManager.default.fileExists(atPath: harness.path("templates/promo.txt")))
            // An existing template is left as it was.
            (status, json, _) = try await ContactsTests.send(client, ops, .put, "/api/templates/lama", json: #"{"body":"Baru }"}"#)
            #expect(status == .badRequest && (json as? [String: Any])?["line"] as? Int == 1)
            (status, _, _) = try await ContactsTests.send(client, ops, .put, "/api/templates/lama", json: #"{"body":"Halo {bukan nama}"}"#)
            #expect(status == .badRequest)
            #expect(try String(contentsOfFile: harness.path("templates/lama.txt"), encoding: .utf8) == "Lama {name|Kak}\n")
            (status, _, _) = try await ContactsTests.send(client, ops, .put, "/api/templates/lama", json: #"{"body":"---\nname: other\n---\nHi"}"#)
            #expect(status == .badRequest)
            for name in ["..%2F..%2Fpipeline", "..", "%2Eenv", "a%2Fb", "promo.txt", "a%00b"] {
                (status, _, text) = try await ContactsTests.send(client, ops, .put, "/api/templates/\(name)", json: #"{"body":"Hi"}"#)
                #expect(status == .badRequest || status == .notFound, "\(name): \(status) \(text)")
                (status, _, _) = try await ContactsTests.send(client, ops, .delete, "/api/templates/\(name)")
                #expect(status == .badRequest || status == .notFound, "\(name)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.path("templates")) == ["lama.txt"])
            // A template named in its front matter (spaces and all) is found, edited and deleted by that name.
            try "---\nname: Promo Lebaran\n---\nHalo {name|Kak}\n".write(toFile: harness.path("templates/promo-1.txt"), atomically: true, encoding: .utf8)
            (status, json, _) = try await ContactsTests.send(client, ops, .get, "/api/templates/Promo%20Lebaran")
            #expect(status == .ok && (json as? [String: Any])?["file"] as? String == "promo-1.txt")
            (status, _, text) = try await ContactsTests.send(client, ops, .put, "/api/templates/Promo%20Lebaran", json: #"{"body":"---\nname: Promo Lebaran\n---\nHai {name|Kak}\n"}"#)
            #expect(status == .ok, "\(text)")
            #expect(try String(contentsOfFile: harness.path("templates/promo-1.txt"), encoding: .utf8).hasSuffix("Hai {name|Kak}\n"))
            (status, _, _) = try await ContactsTests.send(client, ops, .put, "/api/templates/Baru%20Sekali", json: #"{"body":"Hi"}"#)
            #expect(status == .badRequest, "a new template needs a file-safe name")
            (status, _, _) = try await ContactsTests.send(client, ops, .delete, "/api/templates/Promo%20Lebaran")
            #expect(status == .ok)
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.path("templates")) == ["lama.txt"])
            #expect(FileManager.default.fileExists(atPath: harness.path("../pipeline.txt")) == false)
        }
    }
}
