import Foundation
import SiaranTestSupport
@testable import Store
import Testing

/// A send that failed is settled (`failed`, `retrying`, postponed) only while the message is still
/// the settling lane's: `sending` under its session and, on a cluster, under a lease it still
/// holds, checked in the same transaction. A worker frozen past its lease that wakes with a failed
/// write must not undo what the session's new owner sent or claimed again.
@Suite("Cluster: failures are settled only under the claim and the lease")
struct ClaimSettlementTests {
    /// Campaign `s` with messages s-1 … s-`count`, all `pending`.
    func campaign(_ count: Int, in database: SiaranDatabase) async throws {
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('s', 'Promo', 'sending', ?, 'x')", Date())
            for n in 1...count {
                let phone = "62812000002\(n)"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES ('s', ?, ?) RETURNING id", phone, n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, 's', ?, ?, 'Halo', 'pending', ?)",
                               "s-\(n)", contact, phone, Date())
            }
        }
    }

    /// `worker`'s lease on utama from `at`, as the fence its writes carry.
    func lease(_ worker: String, at date: Date, duration: TimeInterval = 60, in database: SiaranDatabase) async throws -> LeaseFence {
        LeaseFence(worker: worker, fencing: try #require(try await database.acquireSessionLease(session: "utama", worker: worker, at: date, duration: duration)).fencing)
    }

    func row(_ id: String, _ database: SiaranDatabase) async throws -> (state: String, session: String?, attempts: Int) {
        try await database.read { db in
            let row = try #require(try db.queryOne("SELECT state, session, attempts FROM messages WHERE id = ?", id))
            return (try row.string("state"), row.optionalString("session"), try row.int("attempts"))
        }
    }

    @Test("a stale worker's failure or retry moves nothing the session's new owner sent or claimed again, and says the lease is lost",
          arguments: TestDatabaseKind.allCases)
    func staleWorker(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(4, in: database)
        let now = Date()
        let a = try await lease("a", at: now, in: database)
        let claimsOfA = (1...4).map { MessageClaim(id: "s-\($0)", session: "utama", fence: a) }
        #expect(try await database.recordSent([], thenClaim: claimsOfA) == ["s-1", "s-2", "s-3", "s-4"])

        // a freezes; its lease runs out and b takes the session over: b sends s-1 and claims s-2 again.
        let b = try await lease("b", at: now.addingTimeInterval(120), in: database)
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "s-1", session: "utama", fence: b),
                                                              MessageClaim(id: "s-2", session: "utama", fence: b)]) == ["s-1", "s-2"])
        try await database.recordSent([SentMessage(id: "s-1", at: now.addingTimeInterval(121))], thenClaim: [])

        // a wakes up with failed writes for all four.
        for claim in claimsOfA {
            await #expect(throws: SessionLeaseLost.self) { try await database.markFailed(claim, reason: "not-on-whatsapp") }
            await #expect(throws: SessionLeaseLost.self) { try await database.markRetrying(claim, reason: "timeout", next: now) }
            await #expect(throws: SessionLeaseLost.self) { try await database.postpone(claim, until: now, reason: "restricted") }
            await #expect(throws: SessionLeaseLost.self) { try await database.failUnsent(claim, reason: "opted-out") }
        }
        #expect(try await row("s-1", database).state == "sent", "the new owner's send stands")
        let reclaimed = try await row("s-2", database)
        #expect(reclaimed.state == "sending" && reclaimed.attempts == 2, "still on the new owner's wire: \(reclaimed)")
        #expect(try await row("s-3", database).state == "sending", "left for the new owner to send under its id")

        // The new owner settles its own claims.
        #expect(try await database.markRetrying(MessageClaim(id: "s-2", session: "utama", fence: b), reason: "timeout", next: now))
        #expect(try await row("s-2", database).state == "retrying")
        #expect(try await database.markFailed(MessageClaim(id: "s-3", session: "utama", fence: b), reason: "not-on-whatsapp"))
        #expect(try await row("s-3", database).state == "failed")
    }

    @Test("a stale worker's failed answer stays `sending` for the session's new holder, who sends it under its id; the holder's own failure is kept",
          arguments: TestDatabaseKind.allCases)
    func staleAnswer(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(1, in: database)
        let phone = "628120000021"
        for id in ["ans-1", "ans-2"] {
            #expect(try await database.beginAnswer(NewAnswer(id: id, phone: phone, session: "utama", text: "Baik, Kak", author: "sari")) == nil)
        }
        let now = Date()
        let a = try await lease("a", at: now, in: database)
        #expect(try await database.claimAnswer("ans-1", fence: a))

        // a freezes mid-send; b takes the session over. a wakes, its send fails: the answer is not a's to fail.
        let b = try await lease("b", at: now.addingTimeInterval(120), duration: 600, in: database)
        #expect(!(try await database.markAnswerFailed("ans-1", reason: "session utama is not connected", fence: a)))
        #expect(try await database.answerStatus("ans-1")?.state == "sending")
        #expect(try await database.queuedAnswers(interruptedOf: ["utama"]).map(\.id).contains("ans-1"), "the new holder sends it again")
        #expect(try await database.claimAnswer("ans-1", fence: b))

        // Under its own lease the holder's failure stands, with its reason.
        #expect(try await database.claimAnswer("ans-2", fence: b))
        #expect(try await database.markAnswerFailed("ans-2", reason: "not-on-whatsapp", fence: b))
        #expect(try await database.answerStatus("ans-2")?.state == "failed")
        #expect(try await database.answerStatus("ans-2")?.reason == "not-on-whatsapp")
    }

    @Test("a stale worker gives back none of its claims once its lease is gone; without a fence only its own session's claims go back",
          arguments: TestDatabaseKind.allCases)
    func release(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(3, in: database)
        let now = Date()
        let a = try await lease("a", at: now, in: database)
        try await database.recordSent([], thenClaim: (1...2).map { MessageClaim(id: "s-\($0)", session: "utama", fence: a) })
        // b takes the session over and claims s-1 again; a, woken up in a pause, gives its claims back.
        let b = try await lease("b", at: now.addingTimeInterval(120), in: database)
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "s-1", session: "utama", fence: b)]) == ["s-1"])
        try await database.releaseClaims(["s-1", "s-2"], session: "utama", fence: a)
        #expect(try await row("s-1", database).state == "sending", "on the new owner's wire")
        #expect(try await row("s-2", database).state == "sending", "left for the new owner to send under its id")
        // The holder's own release gives them back.
        try await database.releaseClaims(["s-1", "s-2"], session: "utama", fence: b)
        #expect(try await row("s-1", database).state == "pending")

        // One machine: a claim made meanwhile under another number is not this session's to give back.
        try await database.recordSent([], thenClaim: [MessageClaim(id: "s-3", session: "cadangan")])
        try await database.releaseClaims(["s-3"], session: "utama")
        #expect(try await row("s-3", database).state == "sending")
        try await database.releaseClaims(["s-3"], session: "cadangan")
        #expect(try await row("s-3", database).state == "pending")
    }

    @Test("without a fence (one machine) only a message still `sending` under the settling session moves",
          arguments: TestDatabaseKind.allCases)
    func claimGuard(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(4, in: database)
        try await database.recordSent([], thenClaim: (1...3).map { MessageClaim(id: "s-\($0)", session: "utama") })
        try await database.recordSent([SentMessage(id: "s-1", at: Date())], thenClaim: [])

        // s-1 is sent, s-4 was never claimed: neither is this claim's to fail or retry.
        for id in ["s-1", "s-4"] {
            let before = try await row(id, database)
            #expect(!(try await database.markFailed(MessageClaim(id: id, session: "utama"), reason: "not-on-whatsapp")))
            #expect(!(try await database.markRetrying(MessageClaim(id: id, session: "utama"), reason: "timeout", next: Date())))
            let after = try await row(id, database)
            #expect(after.state == before.state, "\(id): \(before) → \(after)")
        }
        // s-2 is on another session's claim now: not utama's to settle.
        #expect(!(try await database.markFailed(MessageClaim(id: "s-2", session: "cadangan"), reason: "not-on-whatsapp")))
        #expect(try await row("s-2", database).state == "sending")
        #expect(try await database.markFailed(MessageClaim(id: "s-2", session: "utama"), reason: "not-on-whatsapp"))
        #expect(try await database.markRetrying(MessageClaim(id: "s-3", session: "utama"), reason: "timeout", next: Date()))
        #expect(try await row("s-2", database).state == "failed")
        #expect(try await row("s-3", database).state == "retrying")
        // An opted-out contact's message fails while it is free to take, not once it is sent.
        #expect(try await database.failUnsent(MessageClaim(id: "s-4", session: "utama"), reason: "opted-out"))
        #expect(!(try await database.failUnsent(MessageClaim(id: "s-1", session: "utama"), reason: "opted-out")))
        #expect(try await row("s-4", database).state == "failed")
        #expect(try await row("s-1", database).state == "sent")
    }

    @Test("an opted-out or restricted message on another live worker's wire is left to that worker", arguments: TestDatabaseKind.allCases)
    func otherWorkersWire(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await campaign(2, in: database)
        let now = Date()
        let a = try await lease("a", at: now, in: database)
        let b = LeaseFence(worker: "b", fencing: try #require(try await database.acquireSessionLease(session: "cadangan", worker: "b", at: now, duration: 60)).fencing)
        try await database.recordSent([], thenClaim: [MessageClaim(id: "s-1", session: "cadangan", fence: b)])
        #expect(!(try await database.failUnsent(MessageClaim(id: "s-1", session: "utama", fence: a), reason: "opted-out")))
        #expect(!(try await database.postpone(MessageClaim(id: "s-1", session: "utama", fence: a), until: now, reason: "restricted")))
        #expect(try await row("s-1", database).state == "sending")
        // Free to take: a postpones it, its own claim or not.
        #expect(try await database.postpone(MessageClaim(id: "s-2", session: "utama", fence: a), until: now, reason: "restricted"))
        #expect(try await row("s-2", database).state == "retrying")
    }
}
