import Foundation
import Logging
import Pipeline
import SiaranTestSupport
@testable import Store
import Testing
import Transport

@Suite("Conversations: every incoming text kept, campaign replies in replies.csv, answers recorded")
struct ConversationTests {
    static let quiet = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }

    static func csv(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test("a reply is linked to its campaign, a stranger's text is kept but not counted; answers show in replies.csv, the inbox and the events",
          arguments: TestDatabaseKind.allCases)
    func repliesAndAnswers(database: TestDatabaseKind) async throws {
        let harness = try await PipelineHarness(database)
        try harness.drop("c/numbers.txt", "6281234567890\n6281311223344\n")
        try harness.drop("c/message.txt", "Halo, promo hari ini!")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        let eventsBefore = try await harness.database.lastEventID()

        let (stream, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
        let recorder = TransportEventRecorder(events: stream, database: harness.database, optOutWords: ["STOP", "BERHENTI"], optOutFile: nil,
                                              logger: Self.quiet)
        let start = Date()
        continuation.yield(.reply(phone: "6281234567890", session: "utama", messageId: "IN1", text: "Berapa harganya, Kak?", at: start))
        continuation.yield(.reply(phone: "6289900001111", session: "utama", messageId: "IN2", text: "Toko buka jam berapa?", at: start.addingTimeInterval(1)))
        continuation.yield(.reply(phone: "6281311223344", session: "utama", messageId: "IN3", text: "STOP", at: start.addingTimeInterval(2)))
        continuation.finish()
        try await recorder.run()

        // The stranger is a conversation but not a campaign reply.
        #expect(try await harness.database.messageCounts(of: campaign.id).replied == 2)
        let received = try await harness.database.events(after: eventsBefore, kinds: [.messageReceived])
        #expect(received.count == 3, "every incoming text is announced")
        let payloads = try received.map { try #require(try JSONSerialization.jsonObject(with: $0.payload) as? [String: Any]) }
        #expect(payloads.first { $0["phone"] as? String == "6289900001111" }?["campaign"] == nil)
        #expect(payloads.first { $0["phone"] as? String == "6281234567890" }?["campaign"] as? String == campaign.id)

        let runner = CampaignRunner(context: harness.context)
        #expect(try await runner.refreshStaleReports() == 1)
        var rows = try Self.csv("\(outbox)/replies.csv")
        #expect(rows.first == ["phone", "name", "received_at", "variant", "text", "answered"])
        #expect(rows.count == 3, "two campaign replies, not the stranger: \(rows)")
        #expect(rows[1][0] == "6281234567890" && rows[1].last == "no")
        #expect(try String(contentsOfFile: "\(outbox)/replies.csv", encoding: .utf8).contains(",\"Berapa harganya, Kak?\",no\r\n"))

        // The inbox: newest first, unanswered ones, and one number's whole conversation.
        let inbox = try await harness.database.conversations()
        #expect(inbox.map(\.phone) == ["6281311223344", "6289900001111", "6281234567890"])
        #expect(inbox.first { $0.phone == "6289900001111" }?.campaign == nil)
        #expect(inbox.first { $0.phone == "6281311223344" }?.optedOut == true)
        #expect(try await harness.database.conversations(ConversationFilter(campaign: campaign.id)).count == 2)
        #expect(try await harness.database.conversations(ConversationFilter(search: "0000111")).map(\.phone) == ["6289900001111"])

        // An operator answers: recorded, then sent, then delivered; the event follows the send.
        #expect(try await harness.database.conversationSession(phone: "6281234567890") == "utama")
        let answer = NewAnswer(id: "3EB0ANSWER1", phone: "6281234567890", session: "utama", text: "Rp 50.000 saja, Kak", author: "sari")
        #expect(try await harness.database.beginAnswer(answer) == nil)
        #expect(try await harness.database.queuedAnswers().map(\.id) == [answer.id])
        #expect(try await harness.database.claimAnswer(answer.id))
        #expect(try await harness.database.claimAnswer(answer.id) == false, "one worker sends it")
        try await harness.database.markAnswerSent(answer.id, at: Date())
        try await harness.database.markDelivered(answer.id, at: Date())
        let answered = try await harness.database.events(after: eventsBefore, kinds: [.messageAnswered])
        #expect(answered.count == 1)
        #expect(String(decoding: try #require(answered.first).payload, as: UTF8.self).contains("\"author\":\"sari\""))
        let conversation = try #require(try await harness.database.conversation(phone: "6281234567890"))
        #expect(conversation.entries.map(\.kind) == [.campaign, .incoming, .answer])
        #expect(conversation.entries.last?.state == "delivered")
        #expect(conversation.summary.answered && conversation.summary.unread == 0)
        #expect(try await harness.database.conversations(ConversationFilter(unansweredOnly: true)).map(\.phone)
                == ["6281311223344", "6289900001111"])
        #expect(try await runner.refreshStaleReports() == 1, "an answer rewrites the campaign's replies")
        rows = try Self.csv("\(outbox)/replies.csv")
        #expect(rows[1].last == "yes")

        // Refusals: a number nobody knows; an opted-out number gets one confirmation, then nothing.
        let unknown = NewAnswer(id: "3EB0ANSWER2", phone: "6285500000000", session: "utama", text: "Halo", author: "sari")
        #expect(try await harness.database.beginAnswer(unknown) == .unknownNumber)
        var stop = NewAnswer(id: "3EB0ANSWER3", phone: "6281311223344", session: "utama", text: "Promo lagi?", author: "sari")
        #expect(try await harness.database.beginAnswer(stop) == .optedOut)
        stop.confirmsOptOut = true
        stop.text = "Baik, Anda tidak akan menerima pesan lagi."
        #expect(try await harness.database.beginAnswer(stop) == nil)
        stop.id = "3EB0ANSWER4"
        #expect(try await harness.database.beginAnswer(stop) == .optOutAlreadyConfirmed)
    }
}

@Suite("Answers go out at once through their session, within its caps")
struct AnswerSenderTests {
    /// A campaign sent to `numbers`, and the first of them wrote back through `utama`: answers to
    /// it may be queued.
    private func conversation(_ database: TestDatabaseKind, numbers: [String]) async throws -> PipelineHarness {
        let harness = try await PipelineHarness(database)
        try harness.drop("c/numbers.txt", numbers.joined(separator: "\n") + "\n")
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        try await harness.database.recordReply(phone: numbers[0], session: "utama", messageId: "IN1", text: "Berapa?", at: Date(), isOptOut: false)
        return harness
    }

    @Test("a queued answer is sent with its id and recorded; at the hourly cap (campaign messages and answers counted) it is refused",
          arguments: TestDatabaseKind.allCases)
    func sendsWithinCap(database: TestDatabaseKind) async throws {
        var harness = try await conversation(database, numbers: ["6281234567890", "6281311223344"])
        harness.configuration.sending.hourlyCap = 3  // the campaign sent 2
        let clock = ManualClock(Date())
        let transport = RecordingTransport(clock: clock)
        var context = harness.context
        context.transport = transport
        context.clock = clock
        let sender = AnswerSender(context: context)

        let first = NewAnswer(id: "3EB0AAAA", phone: "6281234567890", session: "utama", text: "Rp 50.000 saja, Kak 🙏\nBisa COD.", author: "sari")
        #expect(try await harness.database.beginAnswer(first) == nil)
        #expect(try await sender.sendQueued() == 1)
        #expect(transport.sends.withLock { $0.map(\.id) } == ["3EB0AAAA"])
        #expect(try await harness.database.answerStatus("3EB0AAAA")?.state == "sent")
        #expect(try await sender.sendQueued() == 0, "sent once")
        #expect(try await harness.database.sentCount(session: "utama", since: clock.now().addingTimeInterval(-3600)) == 3)

        let second = NewAnswer(id: "3EB0BBBB", phone: "6281234567890", session: "utama", text: "Ada lagi?", author: "sari")
        #expect(try await harness.database.beginAnswer(second) == nil)
        #expect(try await sender.sendQueued() == 0)
        #expect(try await harness.database.answerStatus("3EB0BBBB")?.state == "failed")
        #expect(try await harness.database.answerStatus("3EB0BBBB")?.reason == "hourly-cap")
        #expect(transport.sends.withLock { $0.count } == 1)
    }

    @Test("on a cluster an answer goes out only under its session's lease: a worker that lost it sends nothing, the new holder sends an interrupted answer again under its id",
          arguments: TestDatabaseKind.allCases)
    func fencedByTheSessionLease(database: TestDatabaseKind) async throws {
        let harness = try await conversation(database, numbers: ["6281234567890"])
        let clock = ManualClock(Date())
        func worker(_ id: String, fencing: Int) -> (AnswerSender, RecordingTransport) {
            let transport = RecordingTransport(clock: clock)
            var context = harness.context
            context.transport = transport
            context.clock = clock
            context.leaseFence = { _ in LeaseFence(worker: id, fencing: fencing) }
            return (AnswerSender(context: context), transport)
        }
        // Worker a held the session, claimed the answer and died before recording the send.
        let a = try #require(try await harness.database.acquireSessionLease(session: "utama", worker: "a", at: Date().addingTimeInterval(-120), duration: 60))
        #expect(try await harness.database.beginAnswer(NewAnswer(id: "3EB0CCCC", phone: "6281234567890", session: "utama", text: "Rp 50.000", author: "sari")) == nil)
        #expect(try await harness.database.claimAnswer("3EB0CCCC", fence: LeaseFence(worker: "a", fencing: a.fencing)) == false,
                "a's lease ran out: it may not take the answer")
        let b = try #require(try await harness.database.acquireSessionLease(session: "utama", worker: "b", at: Date(), duration: 60))
        #expect(b.fencing == a.fencing + 1)
        #expect(try await harness.database.claimAnswer("3EB0CCCC", fence: LeaseFence(worker: "b", fencing: b.fencing)))
        // b dies too with the answer `sending`; a wakes up still believing it holds the session.
        let (stale, staleTransport) = worker("a", fencing: a.fencing)
        #expect(try await stale.sendQueued() == 0)
        #expect(staleTransport.sends.withLock { $0.isEmpty }, "the stale worker sends nothing")
        let c = try #require(try await harness.database.acquireSessionLease(session: "utama", worker: "c", at: Date().addingTimeInterval(61), duration: 600))
        // c's lease starts in the future of b's, as a take-over after b's lease ran out would.
        let (holder, holderTransport) = worker("c", fencing: c.fencing)
        #expect(try await holder.sendQueued() == 1)
        #expect(holderTransport.sends.withLock { $0.map(\.id) } == ["3EB0CCCC"], "sent again under its own id")
        #expect(try await harness.database.answerStatus("3EB0CCCC")?.state == "sent")
        #expect(try await holder.sendQueued() == 0, "and only once")
    }
}

