import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Pipeline
import SiaranTestSupport
@testable import Store
import Synchronization
import Testing
import Transport

@Suite("Dashboard: the inbox (conversations, answers, done, assign, live)")
struct InboxTests {
    /// The daemon's answer sender over the harness's folders with the dry-run transport.
    static func answerSender(_ harness: DashboardHarness) -> AnswerSender {
        let configuration = PipelineConfiguration(
            sending: SendingConfiguration(delayMinimum: 0, delayMaximum: 0, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                          window: SendingWindow(startMinute: 0, endMinute: 1440)))
        let context = PipelineContext(
            inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
            optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
            sessions: ["utama"], database: harness.database, transport: DryRunTransport(outbox: harness.path("outbox")),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return AnswerSender(context: context, interval: .milliseconds(50))
    }

    @Test("viewers read and get 403 on answering; an operator's answer is sent and shown; done, assign and refusals are audited",
          arguments: TestDatabaseKind.allCases)
    func answer(database: TestDatabaseKind) async throws {
        let harness = try await DashboardHarness(database: database)
        defer { harness.close() }
        try await harness.database.recordReply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Berapa harganya, Kak?",
                                               at: Date(), isOptOut: false)
        try await harness.database.recordReply(phone: "6281311112222", session: "utama", messageId: "IN2", text: "STOP", at: Date(), isOptOut: true)
        try await harness.database.addOptOut(phone: "6281311112222", source: "reply", detail: "STOP")
        let sender = Task { try await Self.answerSender(harness).run() }
        defer { sender.cancel() }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            let ops = try await DashboardHarness.login(client, .operator)
            var (status, body, text) = try await ContactsTests.send(client, viewer, .get, "/api/conversations")
            #expect(status == .ok)
            var list = try #require((body as? [String: Any])?["conversations"] as? [[String: Any]])
            #expect(list.map { $0["phone"] as? String } == ["6281311112222", "6281234567890"])
            #expect((body as? [String: Any])?["unread"] as? Int == 2)

            (status, _, _) = try await ContactsTests.send(client, viewer, .post, "/api/conversations/6281234567890/answer", json: #"{"text":"Halo"}"#)
            #expect(status == .forbidden)
            (status, _, _) = try await ContactsTests.send(client, viewer, .post, "/api/conversations/6281234567890/done", json: #"{"done":true}"#)
            #expect(status == .forbidden)

            (status, body, text) = try await ContactsTests.send(client, ops, .post, "/api/conversations/0812-3456-7890/answer",
                                                                json: #"{"text":"Rp 50.000 saja, Kak 🙏"}"#)
            #expect(status == .ok, "\(text)")
            #expect((body as? [String: Any])?["state"] as? String == "sent")
            let sent = try String(contentsOfFile: harness.path("outbox/\(AnswerSender.dryRunFolder)/dry-run.jsonl"), encoding: .utf8)
            #expect(sent.contains("Rp 50.000 saja, Kak 🙏"))

            (status, body, text) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281311112222/answer", json: #"{"text":"Promo lagi?"}"#)
            #expect(status == .conflict)
            #expect(text.contains("opted out"))

            (status, body, _) = try await ContactsTests.send(client, viewer, .get, "/api/conversations/6281234567890")
            let entries = try #require((body as? [String: Any])?["entries"] as? [[String: Any]])
            #expect(entries.map { $0["kind"] as? String } == ["incoming", "answer"])
            #expect(entries.last?["author"] as? String == "ops")

            (status, _, text) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281311112222/assign", json: #"{"user":"ops"}"#)
            #expect(status == .ok, "\(text)")
            (status, _, _) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281311112222/assign", json: #"{"user":"nobody-here"}"#)
            #expect(status == .badRequest)
            (status, _, _) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281311112222/done", json: #"{"done":true}"#)
            #expect(status == .ok)
            (status, body, _) = try await ContactsTests.send(client, ops, .get, "/api/conversations?mine=1")
            list = try #require((body as? [String: Any])?["conversations"] as? [[String: Any]])
            #expect(list.map { $0["phone"] as? String } == ["6281311112222"])
            (status, body, _) = try await ContactsTests.send(client, ops, .get, "/api/conversations?unanswered=1")
            list = try #require((body as? [String: Any])?["conversations"] as? [[String: Any]])
            #expect(list.isEmpty, "answered and done: \(list)")

            let actions = try await harness.database.auditEntries(limit: 20).map(\.action)
            for action in ["conversation.answer", "conversation.answer.refused", "conversation.assign", "conversation.done"] {
                #expect(actions.contains(action), "\(action) not audited: \(actions)")
            }

            // The page: the list, the conversation, the answer box for operators only.
            let page: String = try await client.execute(uri: "/conversations?phone=6281234567890", method: .get, headers: ops.bearer) { String(buffer: $0.body) }
            #expect(page.contains("Berapa harganya, Kak?") && page.contains("Rp 50.000 saja, Kak 🙏") && page.contains("id=\"answer\""))
            let viewerPage: String = try await client.execute(uri: "/conversations?phone=6281234567890", method: .get, headers: viewer.bearer) { String(buffer: $0.body) }
            #expect(viewerPage.contains("Berapa harganya, Kak?") && !viewerPage.contains("id=\"answer\""))
        }
    }

    @Test("an operator answers with a picture from the conversation view: uploaded, kept for the answer, sent with its caption",
          arguments: TestDatabaseKind.allCases)
    func pictureAnswer(database: TestDatabaseKind) async throws {
        let harness = try await DashboardHarness(database: database)
        defer { harness.close() }
        try await harness.database.recordReply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Ada fotonya?", at: Date(), isOptOut: false)
        let sender = Task { try await Self.answerSender(harness).run() }
        defer { sender.cancel() }
        try await harness.application.test(.router) { client in
            let ops = try await DashboardHarness.login(client, .operator)
            let page = try await client.execute(uri: "/conversations?phone=6281234567890", method: .get, headers: ops.bearer) { String(buffer: $0.body) }
            #expect(page.contains("name=\"image\""), "the answer box offers a picture")
            var (headers, body) = multipart([("file", "foto.jpg", PreviewTests.promo)])
            headers[.authorization] = "Bearer \(ops.token)"
            let media: String = try await client.execute(uri: "/api/media/upload", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
                return try #require(jsonObject(response.body)["id"] as? String)
            }
            let (status, answer, text) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281234567890/answer",
                                                                      json: #"{"text":"Ini fotonya, Kak","media":"\#(media)"}"#)
            #expect(status == .ok, "\(text)")
            #expect((answer as? [String: Any])?["state"] as? String == "sent")
            let (_, shown, _) = try await ContactsTests.send(client, ops, .get, "/api/conversations/6281234567890")
            let last = try #require(((shown as? [String: Any])?["entries"] as? [[String: Any]])?.last)
            #expect(last["hasImage"] as? Bool == true && last["text"] as? String == "Ini fotonya, Kak")
            let kept = try FileManager.default.contentsOfDirectory(atPath: harness.path("state/answer-media"))
            #expect(kept.count == 1, "the picture is kept beside the uploads for the answer")
            let (refused, _, _) = try await ContactsTests.send(client, ops, .post, "/api/conversations/6281234567890/answer",
                                                               json: #"{"text":"x","media":"contacts-AAAAAAAAAAAAAAAA"}"#)
            #expect(refused == .notFound || refused == .badRequest)
        }
    }

    @Test("the event stream carries each incoming text as a conversation event")
    func live() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        let done = Atomic<Bool>(false)
        // Texts keep arriving while the stream is open (it announces what comes after it started).
        let writer = Task {
            var n = 0
            while !done.load(ordering: .relaxed) && n < 200 {
                n += 1
                try await harness.database.recordReply(phone: "6281234567890", session: "utama", messageId: "LIVE\(n)", text: "Halo \(n)",
                                                       at: Date(), isOptOut: false)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            let text: String = try await client.execute(uri: "/api/events?duration=2", method: .get, headers: viewer.bearer) { String(buffer: $0.body) }
            done.store(true, ordering: .relaxed)
            let events = try EventStreamTests.events(text).filter { $0.name == "conversation" }
            #expect(!events.isEmpty, "\(text)")
            #expect(events.allSatisfy { $0.data["event"] as? String == "received" && $0.data["phone"] as? String == "6281234567890" })
        }
        try await writer.value
    }
}
