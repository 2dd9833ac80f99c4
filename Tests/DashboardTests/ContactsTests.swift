import SiaranTestSupport
@testable import Store
import Contacts
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Pipeline
import Testing

@Suite("Dashboard: opt-out list, number checker and number history")
struct ContactsTests {
    static func send(_ client: some TestClientProtocol, _ login: DashboardHarness.Login, _ method: HTTPRequest.Method, _ uri: String,
                     json body: String? = nil) async throws -> (HTTPResponse.Status, Any?, String) {
        var headers = login.bearer
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, json($0.body), String(buffer: $0.body))
        }
    }

    /// What the validate stage would suppress right now.
    static func suppressed(_ harness: DashboardHarness, _ phone: String) async throws -> Bool {
        let list = try await CampaignInputs.optOutList(file: harness.path("state/optout.txt"), contacts: ContactsConfiguration(), database: harness.database)
        return list.contains(try #require(PhoneNumber(digits: phone)))
    }

    @Test("adding and removing opt-outs keeps the database and the opt-out file as the pipeline reads them")
    func optOuts() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try "# kept by hand\n0813 1111 2222\n".write(toFile: harness.path("state/optout.txt"), atomically: true, encoding: .utf8)
        try await harness.database.addOptOut(phone: "6285700001111", source: "reply", detail: "STOP")
        try await harness.application.test(.router) { client in
            let ops = try await DashboardHarness.login(client, .operator)
            let admin = try await DashboardHarness.login(client, .admin)
            let viewer = try await DashboardHarness.login(client, .viewer)
            #expect(try await Self.suppressed(harness, "6281311112222"))
            #expect(try await !Self.suppressed(harness, "6281234567890"))

            var (status, body, text) = try await Self.send(client, ops, .post, "/api/contacts/optouts", json: #"{"phone":"0812-3456-7890","note":"asked by phone"}"#)
            #expect(status == .created, "\(text)")
            #expect(try await Self.suppressed(harness, "6281234567890"))
            let file = try String(contentsOfFile: harness.path("state/optout.txt"), encoding: .utf8)
            #expect(file == "# kept by hand\n0813 1111 2222\n6281234567890\n")
            let record = try #require(try await harness.database.optOutRecord(phone: "6281234567890"))
            #expect(record.source == "dashboard" && record.detail == "ops: asked by phone")
            (status, _, text) = try await Self.send(client, ops, .post, "/api/contacts/optouts", json: #"{"phone":"+62 812 3456 7890"}"#)
            #expect(status == .ok && text.contains("already"))
            for (bad, reason) in [("12ab", "not-a-number"), ("0812", "too-short"), ("", "empty")] {
                (status, body, _) = try await Self.send(client, ops, .post, "/api/contacts/optouts", json: #"{"phone":"\#(bad)"}"#)
                #expect(status == .badRequest)
                #expect(((body as? [String: Any])?["message"] as? String)?.contains(reason) == true, "\(bad)")
            }

            // The list: database and file together, searchable, paged, exported.
            (status, body, _) = try await Self.send(client, viewer, .get, "/api/contacts/optouts")
            var page = try #require(body as? [String: Any])
            #expect(page["total"] as? Int == 3)
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(Set(items.compactMap { $0["phone"] as? String }) == ["6281234567890", "6285700001111", "6281311112222"])
            #expect(items.first { $0["phone"] as? String == "6281311112222" }?["source"] as? String == "file")
            (_, body, _) = try await Self.send(client, viewer, .get, "/api/contacts/optouts?q=0857")
            page = try #require(body as? [String: Any])
            #expect(page["matching"] as? Int == 1)
            (_, body, _) = try await Self.send(client, viewer, .get, "/api/contacts/optouts?limit=2&page=2")
            page = try #require(body as? [String: Any])
            #expect(page["pages"] as? Int == 2 && (page["items"] as? [Any])?.count == 1)
            (status, _, text) = try await Self.send(client, viewer, .get, "/api/contacts/optouts.csv")
            #expect(status == .ok)
            #expect(text.hasPrefix("phone,source,detail,created_at\r\n"))
            #expect(text.contains("6281234567890,dashboard,ops: asked by phone,"))

            // Removing: admin only, from both places; the pipeline sends to it again.
            (status, _, _) = try await Self.send(client, ops, .delete, "/api/contacts/optouts/6281234567890")
            #expect(status == .forbidden)
            (status, _, text) = try await Self.send(client, admin, .delete, "/api/contacts/optouts/6281234567890")
            #expect(status == .ok, "\(text)")
            #expect(try await !Self.suppressed(harness, "6281234567890"))
            #expect(try await harness.database.optOutRecord(phone: "6281234567890") == nil)
            (status, _, _) = try await Self.send(client, admin, .delete, "/api/contacts/optouts/6281234567890")
            #expect(status == .notFound)
            // A number only in the file, written in another spelling, goes too; other lines stay.
            (status, _, _) = try await Self.send(client, admin, .delete, "/api/contacts/optouts/%2B62-813-1111-2222")
            #expect(status == .ok)
            #expect(try String(contentsOfFile: harness.path("state/optout.txt"), encoding: .utf8) == "# kept by hand\n")
            #expect(try await !Self.suppressed(harness, "6281311112222"))
            (status, _, _) = try await Self.send(client, admin, .delete, "/api/contacts/optouts/..%2Fetc")
            #expect(status == .badRequest)
        }
        let audit = try await harness.database.read { db in try db.query("SELECT action || ' ' || target FROM auditLog WHERE action LIKE 'optout.%' ORDER BY id").map { try $0.string(at: 0) } }
        #expect(audit == ["optout.add 6281234567890", "optout.remove 6281234567890", "optout.remove 6281311112222"])
    }

    @Test("check numbers answers per line with the pipeline's reasons, pasted or uploaded")
    func check() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.database.addOptOut(phone: "6285700001111", source: "reply")
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            let pasted = #"{"numbers":"0812-3456-7890\nhalo\n+62 812 3456 7890\n\n085700001111\n6.28123E+11\n0812"}"#
            let (status, body, text) = try await Self.send(client, viewer, .post, "/api/contacts/check", json: pasted)
            #expect(status == .ok, "\(text)")
            let result = try #require(body as? [String: Any])
            #expect(result["valid"] as? Int == 1 && result["duplicates"] as? Int == 1 && result["optedOut"] as? Int == 1 && result["refused"] as? Int == 3)
            let lines = try #require(result["lines"] as? [[String: Any]])
            let outcome = lines.map { "\($0["line"] as? Int ?? 0):\($0["result"] as? String ?? "")" }
            #expect(outcome == ["1:valid", "2:not-a-number", "3:duplicate", "5:opted-out", "6:scientific-notation", "7:too-short"])
            #expect(lines[0]["phone"] as? String == "6281234567890" && lines[0]["input"] as? String == "0812-3456-7890")
            #expect(lines[2]["duplicateOf"] as? Int == 1)

            var (headers, upload) = multipart([("file", "list.csv", Data("nama,nomor\r\nBudi,081298765432\r\nSiti,abc\r\n".utf8))])
            headers[.authorization] = "Bearer \(viewer.token)"
            try await client.execute(uri: "/api/contacts/check", method: .post, headers: headers, body: upload) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let lines = jsonObject(response.body)["lines"] as? [[String: Any]] ?? []
                #expect(lines.map { "\($0["line"] as? Int ?? 0):\($0["result"] as? String ?? "")" } == ["2:valid", "3:not-a-number"])
                #expect(lines.first?["input"] as? String == "Budi,081298765432", "a Windows (CRLF) list shows each row as written")
            }
            (headers, upload) = multipart([("file", "list.pdf", Data("%PDF".utf8))])
            headers[.authorization] = "Bearer \(viewer.token)"
            try await client.execute(uri: "/api/contacts/check", method: .post, headers: headers, body: upload) { #expect($0.status == .badRequest) }
        }
    }

    @Test("a number's history lists its messages across campaigns, replies and opt-out state", arguments: TestDatabaseKind.allCases)
    func history(database: TestDatabaseKind) async throws {
        let harness = try await DashboardHarness(database: database)
        defer { harness.close() }
        let sent = Date(timeIntervalSince1970: 1_750_000_000)
        try await harness.database.write { db in
            for (id, name) in [("c1", "Promo Lebaran"), ("c2", "Flash sale")] {
                try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES (?, ?, 'done', ?, '/tmp')", id, name, sent)
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES (?, '6281234567890', 1) RETURNING id", id)!.int64("id")
                try db.execute("""
                    INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt, sentAt, readAt)
                    VALUES (?, ?, ?, '6281234567890', 'Halo', ?, ?, ?, ?)
                    """, "m-\(id)", id, contact, id == "c1" ? "read" : "failed", sent, sent, id == "c1" ? sent : nil)
            }
            try db.execute("""
                INSERT INTO replies (phone, session, messageId, campaignId, text, receivedAt, isOptOut) VALUES ('6281234567890', 'utama', 'r1', 'c1', 'STOP', ?, ?)
                """, sent, true)
        }
        try await harness.database.addOptOut(phone: "6281234567890", source: "reply", detail: "STOP")
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            let (status, body, text) = try await Self.send(client, viewer, .get, "/api/contacts/0812-3456-7890")
            #expect(status == .ok, "\(text)")
            let history = try #require(body as? [String: Any])
            #expect(history["phone"] as? String == "6281234567890")
            #expect((history["optedOut"] as? [String: Any])?["source"] as? String == "reply")
            let messages = try #require(history["messages"] as? [[String: Any]])
            #expect(Set(messages.compactMap { $0["campaignName"] as? String }) == ["Promo Lebaran", "Flash sale"])
            #expect(Set(messages.compactMap { $0["state"] as? String }) == ["read", "failed"])
            #expect((history["replies"] as? [[String: Any]])?.first?["text"] as? String == "STOP")
            let (bad, _, _) = try await Self.send(client, viewer, .get, "/api/contacts/not-a-phone")
            #expect(bad == .badRequest)
            // The page shows the same, server-rendered.
            try await client.execute(uri: "/contacts?phone=081234567890", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("Promo Lebaran") && html.contains("↩ STOP") && html.contains("+6281234567890"))
                #expect(!html.contains("data-method=\"DELETE\""), "viewers get no remove buttons")
            }
        }
    }
}
