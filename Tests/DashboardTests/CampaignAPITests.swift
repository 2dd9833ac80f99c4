import SiaranTestSupport
@testable import Store
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhatsApp

@Suite("Dashboard: campaigns, uploads, control files, reports, sessions, users")
struct CampaignAPITests {
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1])

    @Test("campaign/create writes a complete drop into inbox/ in one rename, with sanitised names")
    func create() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            var (headers, body) = multipart([
                ("name", nil, Data("../Promo Lebaran!/x".utf8)), ("numbers", "../../etc/numbers.txt", Data("081234567890\n081298765432\n".utf8)),
                ("message", nil, Data("Halo {name|Kak}".utf8)), ("media", "evil/../promo.jpg", Self.jpeg),
                ("options", nil, Data("priority: 3\n".utf8)),
            ])
            headers[.authorization] = "Bearer \(login.token)"
            let drop: String = try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let json = jsonObject(response.body)
                #expect(json["files"] as? [String] == ["campaign.yaml", "message.txt", "numbers.txt", "promo.jpg"])
                return try #require(json["drop"] as? String)
            }
            // The drop (and so the campaign's outbox folder) is named after the campaign, made safe.
            #expect(drop == "promo-lebaran-x")
            let inbox = try FileManager.default.contentsOfDirectory(atPath: harness.path("inbox"))
            #expect(inbox == [drop], "no temporary folder is left behind")
            let folder = harness.path("inbox/\(drop)")
            #expect(try String(contentsOfFile: "\(folder)/numbers.txt", encoding: .utf8) == "081234567890\n081298765432\n")
            #expect(try String(contentsOfFile: "\(folder)/message.txt", encoding: .utf8) == "Halo {name|Kak}")
            // The folder name is made safe; the campaign keeps the name as typed.
            #expect(try String(contentsOfFile: "\(folder)/campaign.yaml", encoding: .utf8) == "name: \"../Promo Lebaran!/x\"\npriority: 3\n")
            #expect(FileManager.default.contents(atPath: "\(folder)/promo.jpg") == Self.jpeg)

            // Refusals come back at once, naming the problem.
            for (parts, expected) in [
                ([("message", nil as String?, Data("Halo".utf8))], "needs numbers"),
                ([("numbers", "n.txt", Data("0812\n".utf8))], "needs a message"),
                ([("numbers", "n.txt", Data("0812\n".utf8)), ("message", nil, Data("Hi".utf8)), ("media", "x.jpg", Data("GIF89a".utf8))], "not a JPEG"),
                ([("numbers", "n.pdf", Data("0812\n".utf8)), ("message", nil, Data("Hi".utf8))], ".txt, .csv or .xlsx"),
                ([("numbers", "n.txt", Data("0812\n".utf8)), ("message", nil, Data("Hi".utf8)), ("options", nil, Data("delay: [\n".utf8))], "campaign.yaml"),
            ] {
                (headers, body) = multipart(parts)
                headers[.authorization] = "Bearer \(login.token)"
                try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .badRequest)
                    let message = jsonObject(response.body)["message"] as? String ?? ""
                    #expect(message.contains(expected), "\(message)")
                }
            }
            // A single file over the limit.
            (headers, body) = multipart([("numbers", "n.txt", Data(repeating: 0x31, count: 1_100_000)), ("message", nil, Data("Hi".utf8))])
            headers[.authorization] = "Bearer \(login.token)"
            try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { #expect($0.status == .contentTooLarge) }
        }
        let audit = try await harness.database.read { db in try db.query("SELECT action FROM auditLog WHERE actor = 'ops'").map { try $0.string(at: 0) } }
        #expect(audit.contains("campaign.create"))
    }

    @Test("uploads are staged, then a campaign uses them by id; an image is checked by its bytes")
    func stagedUploads() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            var (headers, body) = multipart([("file", "kontak.csv", Data("phone,name\n0812345678901,Ani\n# note\n\n0812345678902,Budi\n".utf8))])
            headers[.authorization] = "Bearer \(login.token)"
            let contacts: String = try await client.execute(uri: "/api/contacts/upload", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
                let json = jsonObject(response.body)
                #expect(json["filename"] as? String == "contacts.csv")
                #expect(json["entries"] as? Int == 3)
                return try #require(json["id"] as? String)
            }
            (headers, body) = multipart([("file", "promo.webp", Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))])
            headers[.authorization] = "Bearer \(login.token)"
            let media: String = try await client.execute(uri: "/api/media/upload", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
                #expect(jsonObject(response.body)["format"] as? String == "webp")
                return try #require(jsonObject(response.body)["id"] as? String)
            }
            (headers, body) = multipart([("file", "promo.jpg", Data("<html>".utf8))])
            headers[.authorization] = "Bearer \(login.token)"
            try await client.execute(uri: "/api/media/upload", method: .post, headers: headers, body: body) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/uploads/\(media)", method: .get, headers: login.bearer) { response in
                #expect(response.headers[.contentType] == "image/webp")
            }
            try await client.execute(uri: "/api/uploads/..%2F..%2Fsiaran.sqlite", method: .get, headers: login.bearer) { #expect($0.status.code >= 400) }
            (headers, body) = multipart([("contactsUpload", nil, Data(contacts.utf8)), ("mediaUpload", nil, Data(media.utf8)), ("message", nil, Data("Hai".utf8))])
            headers[.authorization] = "Bearer \(login.token)"
            try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
                #expect(jsonObject(response.body)["files"] as? [String] == ["contacts.csv", "message.txt", "promo.webp"])
            }
        }
    }

    @Test("pause, resume, cancel and start write the CLI's control files and the audit log", arguments: TestDatabaseKind.allCases)
    func control(database: TestDatabaseKind) async throws {
        let harness = try await DashboardHarness(database: database)
        defer { harness.close() }
        try await RoleTests.seed(harness)
        try await harness.database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, priority, createdAt, spoolPath) VALUES ('c2', 'Gate', 'waiting-approval', 0, ?, '/tmp'), ('c3', 'Old', 'done', 0, ?, '/tmp')", Date(), Date())
        }
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            var headers = login.bearer
            headers[.contentType] = "application/json"
            func post(_ uri: String, _ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
            }
            let folder = harness.path("outbox/c1")
            #expect(try await post("/api/campaign/pause", #"{"id":"c1"}"#) == .ok)
            #expect(FileManager.default.fileExists(atPath: "\(folder)/PAUSE"))
            #expect(try await post("/api/campaign/pause", #"{"id":"c1","action":"resume"}"#) == .ok)
            #expect(!FileManager.default.fileExists(atPath: "\(folder)/PAUSE"))
            #expect(try await post("/api/campaign/pause", #"{"id":"c1","action":"cancel"}"#) == .ok)
            #expect(FileManager.default.fileExists(atPath: "\(folder)/CANCEL"))
            #expect(try await post("/api/campaign/start", #"{"id":"c2"}"#) == .ok)
            #expect(FileManager.default.fileExists(atPath: harness.path("outbox/c2/APPROVE")))
            #expect(try await post("/api/campaign/pause", #"{"id":"c3"}"#) == .conflict)
            #expect(try await post("/api/campaign/pause", #"{"id":"c1","action":"explode"}"#) == .badRequest)
            #expect(try await post("/api/campaign/pause", #"{"id":"../c1"}"#) == .badRequest)
            try await client.execute(uri: "/api/campaigns/c2", method: .get, headers: login.bearer) { response in
                let json = jsonObject(response.body)
                #expect(json["controls"] as? [String] == ["APPROVE"])
                #expect((json["campaign"] as? [String: Any])?["state"] as? String == "waiting-approval")
            }
        }
        let audit = try await harness.database.read { db in try db.query("SELECT action || ' ' || target FROM auditLog WHERE actor = 'ops' AND target IS NOT NULL").map { try $0.string(at: 0) } }
        #expect(audit == ["campaign.pause c1", "campaign.resume c1", "campaign.cancel c1", "campaign.start c2"])
    }

    @Test("report downloads: plain names only, no traversal, no symlinks, no control files", arguments: [
        "/api/reports/c1/..%2F..%2Fstate%2Fsiaran.sqlite", "/api/reports/c1/%2E%2E", "/api/reports/..%2Fc1/report.csv",
        "/api/reports/c1/link.csv", "/api/reports/c1/PAUSE", "/api/reports/c1/.hidden.csv", "/api/reports/c1/..%5Creport.csv",
        "/api/reports/c9/report.csv", "/api/reports/c1/missing.csv",
    ])
    func traversal(_ uri: String) async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await RoleTests.seed(harness)
        try "secret".write(toFile: harness.path("outbox/secret.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: harness.path("outbox/c1/link.csv"), withDestinationPath: harness.path("outbox/secret.csv"))
        try Data().write(to: URL(fileURLWithPath: harness.path("outbox/c1/PAUSE")))
        try "x".write(toFile: harness.path("outbox/c1/.hidden.csv"), atomically: true, encoding: .utf8)
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: uri, method: .get, headers: login.bearer) { response in
                #expect([.badRequest, .notFound].contains(response.status), "\(uri): \(response.status)")
                #expect(!String(buffer: response.body).contains("secret"))
            }
            try await client.execute(uri: "/api/reports/c1/report.csv", method: .get, headers: login.bearer) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "phone,state\n")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"c1-report.csv\"")
            }
            try await client.execute(uri: "/api/reports/c1", method: .get, headers: login.bearer) { response in
                let names = (json(response.body) as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == ["report.csv"])
            }
        }
    }

    @Test("sessions: admins link by QR or pairing code and log out; others see no QR")
    func sessions() async throws {
        let sessions = FakeSessions()
        let harness = try await DashboardHarness(sessions: sessions)
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let admin = try await DashboardHarness.login(client, .admin)
            var headers = admin.bearer
            headers[.contentType] = "application/json"
            try await client.execute(uri: "/api/whatsapp/connect", method: .post, headers: headers, body: ByteBuffer(string: #"{"session":"utama","phone":"6281234567890"}"#)) { response in
                #expect(response.status == .ok)
                #expect(jsonObject(response.body)["pairingCode"] as? String == "ABCD-7890")
            }
            try await client.execute(uri: "/api/whatsapp/connect", method: .post, headers: headers, body: ByteBuffer(string: #"{"session":"utama","phone":"12ab"}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/whatsapp/connect", method: .post, headers: headers, body: ByteBuffer(string: #"{"session":"lain"}"#)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/sessions/utama/qr.svg", method: .get, headers: admin.bearer) { response in
                #expect(response.status == .ok)
                // The code as the client encodes it, inside a 4-module quiet zone.
                let size = (QRCodeImage(FakeSessions.secondRef)?.modules.count ?? 0) + 8
                let svg = String(buffer: response.body)
                #expect(svg.hasPrefix("<svg") && svg.contains(#"viewBox="0 0 \#(size) \#(size)""#))
            }
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/api/sessions", method: .get, headers: viewer.bearer) { response in
                let list = try #require(json(response.body) as? [[String: Any]])
                #expect(list.first?["state"] as? String == "linking")
                #expect(list.first?["qr"] == nil && list.first?["pairingCode"] == nil)
            }
            try await client.execute(uri: "/api/whatsapp/disconnect", method: .post, headers: headers, body: ByteBuffer(string: #"{"session":"utama"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/sessions", method: .get, headers: admin.bearer) { response in
                #expect((json(response.body) as? [[String: Any]])?.first?["state"] as? String == "logged-out")
            }
        }
        #expect(await sessions.connects == ["6281234567890"])
    }

    @Test("users: admins add, change and remove accounts; the last admin stays", arguments: TestDatabaseKind.allCases)
    func users(database: TestDatabaseKind) async throws {
        let harness = try await DashboardHarness(database: database)
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let admin = try await DashboardHarness.login(client, .admin)
            var headers = admin.bearer
            headers[.contentType] = "application/json"
            try await client.execute(uri: "/api/users", method: .post, headers: headers, body: ByteBuffer(string: #"{"username":"sari","password":"short","role":"operator"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/users", method: .post, headers: headers, body: ByteBuffer(string: #"{"username":"sari","password":"long enough pw","role":"operator"}"#)) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/users", method: .post, headers: headers, body: ByteBuffer(string: #"{"username":"sari","password":"long enough pw","role":"operator"}"#)) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/users/admin", method: .post, headers: headers, body: ByteBuffer(string: #"{"role":"viewer"}"#)) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/users/admin", method: .delete, headers: headers) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/users/sari", method: .post, headers: headers, body: ByteBuffer(string: #"{"role":"admin","password":"another long pw"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/users/sari", method: .delete, headers: headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/users", method: .get, headers: admin.bearer) { response in
                let names = (json(response.body) as? [[String: Any]])?.compactMap { $0["username"] as? String }
                #expect(names == ["admin", "ops", "view"])
                #expect(!String(buffer: response.body).contains("passwordHash"))
            }
        }
        let stored = try await harness.database.read { db in try db.query("SELECT passwordHash FROM users").map { try $0.string(at: 0) } }
        #expect(stored.allSatisfy { $0.hasPrefix("$2") })
    }
}
