import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SiaranTestSupport
@testable import Store
import Synchronization
import Testing
@testable import Webhooks

/// A local receiver that records every POST and answers with the statuses it is told to.
final class Receiver: Sendable {
    struct Hit: Sendable { var event: String; var delivery: String; var signature: String; var body: Data }
    let hits = Mutex<[Hit]>([])
    /// Statuses for the next requests, in order; 200 when empty.
    let statuses = Mutex<[Int]>([])

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var request = request
            let body = Data(buffer: try await request.collectBody(upTo: 1 << 20))
            self.hits.withLock {
                $0.append(Hit(event: request.headers[.init("X-Siaran-Event")!] ?? "", delivery: request.headers[.init("X-Siaran-Delivery")!] ?? "",
                              signature: request.headers[.init(WebhookSignature.header)!] ?? "", body: body))
            }
            let status = self.statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        return router
    }
}

@Suite("Webhooks: signed, ordered, retried, resumed", .serialized)
struct WebhookTests {
    static let secret = "webhook-test-secret-0123"

    static func database() throws -> (SiaranDatabase, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-webhooks-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try SiaranDatabase(path: folder.appendingPathComponent("siaran.sqlite").path), folder)
    }

    static func settings(_ url: URL, events: Set<DomainEvent.Kind> = []) -> WebhookService.Settings {
        var settings = WebhookService.Settings(endpoints: [WebhookEndpoint(url: url, events: events)], secret: secret)
        settings.pollInterval = 0.05
        settings.retryBase = 0.05
        settings.maxAttempts = 4
        return settings
    }

    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("a signature verifies with the secret and fails for another body, secret or an old timestamp")
    func signatures() {
        let body = Data(#"{"id":1}"#.utf8)
        let now = Date()
        let header = WebhookSignature.sign(body: body, secret: Self.secret, timestamp: Int(now.timeIntervalSince1970))
        #expect(header.hasPrefix("t=") && header.contains(",v1="))
        #expect(WebhookSignature.verify(header: header, body: body, secret: Self.secret, now: now))
        #expect(!WebhookSignature.verify(header: header, body: Data(#"{"id":2}"#.utf8), secret: Self.secret, now: now))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "another-secret-value", now: now))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: Self.secret, now: now.addingTimeInterval(600)))
    }

    @Test("campaign start and end are recorded once each, with the end's counts")
    func campaignEvents() async throws {
        let (database, folder) = try Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, priority, createdAt, spoolPath) VALUES ('c1', 'promo', 'queued', 0, ?, '/tmp')", Date())
        }
        try await database.setState(.sending, of: "c1")
        try await database.setState(.paused, of: "c1")
        try await database.setState(.sending, of: "c1")
        try await database.setState(.done, of: "c1")
        try await database.setState(.done, of: "c1")
        let events = try await database.events(after: 0)
        #expect(events.map(\.kind) == [.campaignStarted, .campaignFinished])
        let finished = try #require(try JSONSerialization.jsonObject(with: events[1].payload) as? [String: Any])
        #expect(finished["state"] as? String == "done")
        #expect((finished["counts"] as? [String: Any])?["total"] as? Int == 0)
    }

    @Test("events reach the endpoint in order, signed; a failing endpoint is retried; a restart resumes without repeats")
    func delivery() async throws {
        let (database, folder) = try Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        let receiver = Receiver()
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(try #require(client.port))/hook")!
            // An event from before the endpoint existed is not sent.
            try await database.addOptOut(phone: "6281200000000", source: "file")
            let first = Task { try await WebhookService(settings: Self.settings(url), database: database, logger: Self.quiet).run() }
            #expect(await eventually { (try? await database.webhookCursor(url.absoluteString)) != nil })
            receiver.statuses.withLock { $0 = [500, 503] }
            try await database.addOptOut(phone: "6281200000001", source: "reply", detail: "STOP")
            try await database.recordSessionState("utama", state: "logged-out", notice: "device removed", at: Date())
            #expect(await eventually { receiver.hits.withLock { $0.count } >= 4 })
            #expect(await eventually { (try? await database.webhookCursor(url.absoluteString)) == (try? await database.lastEventID()) })
            first.cancel()
            _ = try? await first.value
            let hits = receiver.hits.withLock { $0 }
            // Two failures of the first event, then both events in order.
            #expect(hits.map(\.event) == ["contact.opted_out", "contact.opted_out", "contact.opted_out", "session.stopped"])
            #expect(Set(hits.prefix(3).map(\.delivery)).count == 1, "a retry keeps the delivery id")
            for hit in hits {
                #expect(WebhookSignature.verify(header: hit.signature, body: hit.body, secret: Self.secret), "bad signature on \(hit.event)")
            }
            let body = try #require(try JSONSerialization.jsonObject(with: hits[0].body) as? [String: Any])
            #expect(body["type"] as? String == "contact.opted_out")
            #expect((body["data"] as? [String: Any])?["phone"] as? String == "6281200000001")
            #expect((body["data"] as? [String: Any])?["detail"] as? String == "STOP")

            // A restart picks up after the last delivered event only.
            try await database.addOptOut(phone: "6281200000002", source: "dashboard")
            let second = Task { try await WebhookService(settings: Self.settings(url), database: database, logger: Self.quiet).run() }
            #expect(await eventually { receiver.hits.withLock { $0.count } >= 5 })
            try await Task.sleep(for: .milliseconds(300))
            second.cancel()
            _ = try? await second.value
            let after = receiver.hits.withLock { $0 }
            #expect(after.count == 5, "no event was delivered twice: \(after.map(\.event))")
            #expect(String(decoding: after[4].body, as: UTF8.self).contains("6281200000002"))
        }
    }

    @Test("an endpoint gets only the kinds it asked for; an event refused every time is skipped after the attempts")
    func filterAndGiveUp() async throws {
        let (database, folder) = try Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        let receiver = Receiver()
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(try #require(client.port))/hook")!
            let service = Task { try await WebhookService(settings: Self.settings(url, events: [.sessionStopped]), database: database, logger: Self.quiet).run() }
            #expect(await eventually { (try? await database.webhookCursor(url.absoluteString)) != nil })
            receiver.statuses.withLock { $0 = [500, 500, 500, 500] }
            try await database.addOptOut(phone: "6281200000003", source: "reply")
            try await database.recordSessionState("utama", state: "banned", notice: nil, at: Date())
            try await database.recordSessionState("cadangan", state: "logged-out", notice: nil, at: Date())
            #expect(await eventually { receiver.hits.withLock { $0.count } >= 5 })
            try await Task.sleep(for: .milliseconds(300))
            service.cancel()
            _ = try? await service.value
            let hits = receiver.hits.withLock { $0 }
            #expect(hits.allSatisfy { $0.event == "session.stopped" }, "\(hits.map(\.event))")
            // Four refusals of the first, then the second goes through.
            #expect(hits.count == 5)
            #expect(String(decoding: hits[4].body, as: UTF8.self).contains("cadangan"))
            #expect(try await database.webhookCursor(url.absoluteString) == (try await database.lastEventID()))
        }
    }
}

extension WebhookTests {
    @Test("an endpoint that asks for session.restricted hears until when a number may not start new chats, and nothing else")
    func sessionRestricted() async throws {
        let (database, folder) = try Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        let receiver = Receiver()
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(try #require(client.port))/hook")!
            let service = Task { try await WebhookService(settings: Self.settings(url, events: [.sessionRestricted]), database: database, logger: Self.quiet).run() }
            #expect(await eventually { (try? await database.webhookCursor(url.absoluteString)) != nil })
            let until = Date(timeIntervalSince1970: 1_800_000_000)
            try await database.recordSessionState("cadangan", state: "logged-out", notice: "device removed", at: Date())
            try await database.recordSessionRestriction("utama", until: until, source: "timelock", notice: "restricted until later", at: Date())
            #expect(await eventually { receiver.hits.withLock { $0.count } >= 1 })
            #expect(await eventually { (try? await database.webhookCursor(url.absoluteString)) == (try? await database.lastEventID()) })
            service.cancel()
            _ = try? await service.value
            let hits = receiver.hits.withLock { $0 }
            #expect(hits.map(\.event) == ["session.restricted"])
            let body = try #require(try JSONSerialization.jsonObject(with: hits[0].body) as? [String: Any])
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["session"] as? String == "utama" && data["source"] as? String == "timelock" && data["notice"] as? String == "restricted until later")
            #expect(data["until"] as? String == ISO8601DateFormatter().string(from: until))
        }
    }
}
