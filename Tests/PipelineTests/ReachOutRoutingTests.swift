import Foundation
import Logging
import Pipeline
import SiaranTestSupport
import Store
import Synchronization
import Testing
import Transport

/// A transport whose sessions WhatsApp may restrict from new chats: a restricted session holds
/// back (defers) a message to anyone it holds no privacy token from, as the WhatsApp client does.
final class RestrictingTransport: MessageTransport, Sendable {
    let clock: ManualClock
    let restricted: [String: Date]
    /// Phones each session holds a privacy token from (they wrote to it).
    let tokens: [String: Set<String>]
    let sends = Mutex<[(phone: String, session: String, at: Date)]>([])
    let deferrals = Mutex<[(phone: String, session: String)]>([])
    let events: AsyncStream<TransportEvent>

    init(clock: ManualClock, restricted: [String: Date], tokens: [String: Set<String>]) {
        self.clock = clock
        self.restricted = restricted
        self.tokens = tokens
        events = AsyncStream { _ in }
    }

    func restrictedUntil(session: String) async -> Date? {
        restricted[session].flatMap { $0 > clock.now() ? $0 : nil }
    }

    func send(_ message: OutgoingMessage) async -> SendResult {
        if let until = await restrictedUntil(session: message.session), tokens[message.session]?.contains(message.phone) != true {
            deferrals.withLock { $0.append((message.phone, message.session)) }
            return .deferred(until: until, reason: "restricted")
        }
        let now = clock.now()
        sends.withLock { $0.append((message.phone, message.session, now)) }
        return .sent(at: now)
    }
}

/// The pipeline hands a restricted number's new contacts to another number, or lets them wait
/// for the restriction to end; it never fails them and never sends one twice.
@Suite("Campaigns around numbers restricted from new chats")
struct ReachOutRoutingTests {
    static let start = PacingTests.date("2026-11-25 09:00")
    static let phones = (0..<6).map { "62813\(String(format: "%08d", $0 + 100))" }

    /// Runs a campaign to `phones` over sessions a and b; `wroteTo` records earlier replies.
    func run(_ kind: TestDatabaseKind, restricted: [String: Date], tokens: [String: Set<String>], wroteTo: [String: String])
        async throws -> (RestrictingTransport, PipelineHarness) {
        var harness = try await PipelineHarness(kind)
        harness.configuration.sending.delayMinimum = 1
        harness.configuration.sending.delayMaximum = 1
        let clock = ManualClock(Self.start)
        for (phone, session) in wroteTo {
            try await harness.database.recordReply(phone: phone, session: session, messageId: "in-\(phone)", text: "halo",
                                                   at: Self.start.addingTimeInterval(-86_400), isOptOut: false)
        }
        try harness.drop("c/numbers.txt", Self.phones.joined(separator: "\n"))
        try harness.drop("c/message.txt", "Halo")
        try harness.backdate(harness.path("inbox/c"), by: 5)
        let transport = RestrictingTransport(clock: clock, restricted: restricted, tokens: tokens)
        var context = harness.context
        context.transport = transport
        let campaign = try #require(try await harness.takeDrops().first)
        context.clock = clock
        context.sessions = ["a", "b"]
        _ = try await CampaignRunner(context: context).run(campaign.id)
        return (transport, harness)
    }

    func expectEachSentOnce(_ transport: RestrictingTransport, _ harness: PipelineHarness) async throws {
        let sends = transport.sends.withLock { $0 }
        #expect(sends.map(\.phone).sorted() == Self.phones.sorted(), "every contact once: \(sends.map(\.phone))")
        for phone in Self.phones {
            let states = try await harness.database.messages(toPhone: phone).map(\.state)
            #expect(states == ["sent"], "\(phone): \(states)")
        }
    }

    @Test("new contacts go through the number that is not restricted; people who wrote to the restricted one still get theirs from it",
          arguments: TestDatabaseKind.allCases)
    func handOver(_ kind: TestDatabaseKind) async throws {
        let warm = Self.phones[0]
        let (transport, harness) = try await run(kind, restricted: ["a": Self.start.addingTimeInterval(86_400)], tokens: ["a": [warm]],
                                                 wroteTo: [warm: "a"])
        try await expectEachSentOnce(transport, harness)
        let viaA = transport.sends.withLock { $0.filter { $0.session == "a" }.map(\.phone) }
        #expect(viaA == [warm], "the restricted number wrote only to the one who wrote to it: \(viaA)")
        #expect(transport.deferrals.withLock { $0.isEmpty }, "the pipeline never offered it a new contact")
    }

    @Test("when every number is restricted, new contacts wait, not failed, until the first restriction ends",
          arguments: TestDatabaseKind.allCases)
    func waitForTheEnd(_ kind: TestDatabaseKind) async throws {
        let warm = Self.phones[2]
        let aEnds = Self.start.addingTimeInterval(20 * 60), bEnds = Self.start.addingTimeInterval(40 * 60)
        let (transport, harness) = try await run(kind, restricted: ["a": aEnds, "b": bEnds], tokens: ["a": [warm]], wroteTo: [warm: "a"])
        try await expectEachSentOnce(transport, harness)
        let sends = transport.sends.withLock { $0 }
        let warmSend = try #require(sends.first { $0.phone == warm })
        #expect(warmSend.session == "a" && warmSend.at < aEnds, "the one who wrote is not kept waiting")
        for send in sends where send.phone != warm {
            #expect(send.at >= aEnds, "\(send.phone) went at \(send.at), before any restriction ended")
            #expect(send.at < bEnds ? send.session == "a" : true, "only the freed number writes before b's end")
        }
    }

    @Test("a number that holds a message back itself (no token from that contact) hands it to the other number at once",
          arguments: TestDatabaseKind.allCases)
    func heldBackByTheSession(_ kind: TestDatabaseKind) async throws {
        let contact = Self.phones[0]
        // The database says the contact wrote to a, but a holds no token from them.
        let (transport, harness) = try await run(kind, restricted: ["a": Self.start.addingTimeInterval(86_400)], tokens: [:],
                                                 wroteTo: [contact: "a"])
        try await expectEachSentOnce(transport, harness)
        #expect(transport.deferrals.withLock { $0.map(\.phone) } == [contact])
        #expect(transport.sends.withLock { $0.filter { $0.phone == contact }.map(\.session) } == ["b"])
        #expect(transport.sends.withLock { $0.allSatisfy { $0.session == "b" } })
    }
}
