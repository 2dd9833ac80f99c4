import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Media
import NIOCore
import Testing

@Suite("Dashboard: campaign preview with the pipeline's own checks, renderer and media preparer")
struct PreviewTests {
    /// The repository's example picture: a 2000×2000 JPEG.
    static let promo: Data = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? Data(contentsOf: root.appendingPathComponent("promo.jpg"))) ?? Data()
    }()

    static func post(_ client: some TestClientProtocol, _ login: DashboardHarness.Login, _ uri: String,
                     _ parts: [(String, String?, Data)]) async throws -> (HTTPResponse.Status, [String: Any]) {
        var (headers, body) = multipart(parts)
        headers[.authorization] = "Bearer \(login.token)"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body) { ($0.status, jsonObject($0.body)) }
    }

    @Test("preview counts, refuses with line numbers, renders with the opt-out footer and serves the compressed picture")
    func preview() async throws {
        #expect(Self.promo.count > 100_000)
        let harness = try await DashboardHarness { configuration in
            configuration.media = MediaConfiguration(maxSide: 800, quality: 70)
            configuration.message.optOutFooter = "Balas STOP untuk berhenti."
        }
        defer { harness.close() }
        try "6281211110000\n".write(toFile: harness.path("state/optout.txt"), atomically: true, encoding: .utf8)
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            let (status, upload) = try await Self.post(client, login, "/api/media/upload", [("file", "promo.jpg", Self.promo)])
            #expect(status == .created)
            let mediaID = try #require(upload["id"] as? String)
            let numbers = "phone,name\n0812-3456-7890,Budi\nabc,X\n+62 812 3456 7890,Budi again\n081211110000,Opted\n0899,Short\n081298765432,\n"
            let (previewStatus, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("numbers", "contacts.csv", Data(numbers.utf8)), ("message", nil, Data("Halo {name|Kak}, promo {hari ini|minggu ini}!".utf8)),
                ("mediaUpload", nil, Data(mediaID.utf8)), ("name", nil, Data("promo".utf8)),
            ])
            #expect(previewStatus == .ok, "\(preview)")
            let contacts = try #require(preview["contacts"] as? [String: Any])
            #expect(contacts["valid"] as? Int == 2)
            #expect(contacts["refused"] as? Int == 2)
            #expect(contacts["duplicates"] as? Int == 1)
            #expect(contacts["optedOut"] as? Int == 1)
            let refusals = try #require(contacts["refusals"] as? [[String: Any]])
            let byLine = Dictionary(uniqueKeysWithValues: refusals.map { ($0["line"] as? Int ?? 0, $0["reason"] as? String ?? "") })
            #expect(byLine == [3: "not-a-number", 4: "duplicate", 5: "opted-out", 6: "too-short"])
            let messages = try #require(preview["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(messages.first?["phone"] as? String == "6281234567890")
            let first = try #require(messages.first?["text"] as? String)
            #expect(first.hasPrefix("Halo Budi, promo "))
            #expect(first.hasSuffix("\n\nBalas STOP untuk berhenti."))
            #expect((messages.last?["text"] as? String)?.hasPrefix("Halo Kak, promo ") == true)

            let media = try #require(preview["media"] as? [String: Any])
            let original = try #require(media["original"] as? [String: Any])
            let prepared = try #require(media["prepared"] as? [String: Any])
            #expect(original["width"] as? Int == 2000)
            #expect(original["bytes"] as? Int == Self.promo.count)
            #expect(prepared["width"] as? Int == 800 && prepared["height"] as? Int == 800)
            #expect(prepared["format"] as? String == "JPEG")
            let preparedBytes = try #require(prepared["bytes"] as? Int)
            #expect(preparedBytes < Self.promo.count)
            let url = try #require(media["url"] as? String)
            #expect(url == "/api/uploads/\(mediaID)/prepared")
            let image = try await client.execute(uri: url, method: .get, headers: login.bearer) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/jpeg")
                return Data(buffer: response.body)
            }
            #expect(image.count == preparedBytes)
            // It decodes: the media preparer reads it back as an 800×800 JPEG.
            let header = try MediaPreparer().inspect(data: image, name: "prepared.jpg")
            #expect(header.format == .jpeg && header.width == 800 && header.height == 800)
            _ = try MediaPreparer().prepare(data: image, name: "prepared.jpg")
            // Computed once: kept beside the upload, and the upload itself is still the original.
            let folder = harness.path("state/uploads/\(mediaID)")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == ["promo.jpg", "prepared.jpg", "prepared.json"])
            let (_, again) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("Hi".utf8)), ("mediaUpload", nil, Data(mediaID.utf8)),
            ])
            #expect((again["media"] as? [String: Any])?["prepared"] as? [String: Any] != nil)
            #expect(again["sample"] as? Bool == true, "without numbers a sample recipient is shown")
            #expect(try await client.execute(uri: "/api/uploads/\(mediaID)", method: .get, headers: login.bearer) { Data(buffer: $0.body) } == Self.promo)
        }
    }

    @Test("template problems, options errors, bad pictures and missing uploads come back plainly")
    func problems() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try "---\nname: promo\n---\nHalo {name|Kak}, diskon!\n".write(toFile: harness.path("templates/promo.txt"), atomically: true, encoding: .utf8)
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .operator)
            var (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("numbers", "numbers.txt", Data("081234567890\n".utf8)), ("message", nil, Data("Halo\n{name".utf8)),
            ])
            var problems = preview["problems"] as? [String] ?? []
            #expect(problems.count == 1 && problems[0].contains("message.txt:2:"), "\(problems)")
            (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("numbers", "numbers.txt", Data("081234567890\n".utf8)), ("message", nil, Data("Hi {city}".utf8)),
            ])
            problems = preview["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains("{city}") }, "\(problems)")
            (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("numbers", "numbers.txt", Data("081234567890\n".utf8)), ("options", nil, Data("template: promo\n".utf8)),
            ])
            #expect(((preview["messages"] as? [[String: Any]])?.first?["text"] as? String)?.hasPrefix("Halo Kak, diskon!") == true, "\(preview)")
            // A template's text loaded into the message (front matter and all, CRLF as browsers send it) is read as message.txt is.
            (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("---\r\nname: promo\r\noptout_footer: Ketik STOP.\r\n---\r\nHalo {name|Kak}, diskon!\r\n".utf8)),
            ])
            #expect((preview["messages"] as? [[String: Any]])?.first?["text"] as? String == "Halo Kak, diskon!\n\nKetik STOP.", "\(preview)")
            (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("Hi".utf8)), ("options", nil, Data("delay: [\n".utf8)),
            ])
            #expect((preview["problems"] as? [String])?.first?.hasPrefix("campaign.yaml:") == true, "\(preview)")
            // A truncated JPEG: staged fine (it starts like a JPEG) but the preparer refuses it.
            (_, preview) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("Hi".utf8)), ("media", "broken.jpg", Self.promo.prefix(2000)),
            ])
            #expect(preview["media"] == nil)
            #expect((preview["mediaError"] as? String)?.isEmpty == false, "\(preview)")
            let (status, missing) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("Hi".utf8)), ("mediaUpload", nil, Data("media-nope".utf8)),
            ])
            #expect(status == .notFound, "\(missing)")
            let (traversal, _) = try await Self.post(client, login, "/api/campaign/preview", [
                ("message", nil, Data("Hi".utf8)), ("contactsUpload", nil, Data("../state".utf8)),
            ])
            #expect(traversal == .badRequest)
        }
    }
}
