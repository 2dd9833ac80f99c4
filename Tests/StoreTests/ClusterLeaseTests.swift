import Foundation
import SiaranTestSupport
@testable import Store
import Testing

/// Session leases: one worker at a time per WhatsApp number, fencing counters that grow with
/// every take-over, and a worker that lost its lease told so at its next heartbeat.
@Suite("Cluster: workers and session leases")
struct ClusterLeaseTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a lease is held by one worker until it runs out or is released; every take-over adds one to the fencing counter",
          arguments: TestDatabaseKind.allCases)
    func takeOver(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let t0 = Self.start

        let first = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: t0, duration: 15))
        #expect(first.owner == "a" && first.fencing == 1 && first.expiresAt == t0.addingTimeInterval(15))
        #expect(try await database.acquireSessionLease(session: "utama", worker: "b", at: t0.addingTimeInterval(14), duration: 15) == nil,
                "b waits while a's lease runs")
        let renewed = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: t0.addingTimeInterval(10), duration: 15))
        #expect(renewed.fencing == 1, "renewing is not a take-over")

        // a stops renewing (killed, or frozen): b takes over once the lease has run out.
        let t1 = t0.addingTimeInterval(25)
        let taken = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: t1, duration: 15))
        #expect(taken.owner == "b" && taken.fencing == 2)
        #expect(try await database.holdsSessionLease("utama", worker: "b", fencing: 2, at: t1))
        #expect(!(try await database.holdsSessionLease("utama", worker: "a", fencing: 1, at: t1)), "a's sends are refused from now on")
        // a wakes up: its heartbeat no longer returns the session, and renews nothing.
        #expect(try await database.heartbeat(worker: "a", at: t1.addingTimeInterval(1), leaseDuration: 15).isEmpty)
        #expect(try await database.heartbeat(worker: "b", at: t1.addingTimeInterval(1), leaseDuration: 15).map(\.session) == ["utama"])

        // A clean stop releases at once; the next owner gets the next counter.
        try await database.leaveCluster(worker: "b", at: t1.addingTimeInterval(2))
        let back = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: t1.addingTimeInterval(3), duration: 15))
        #expect(back.owner == "a" && back.fencing == 3)
    }

    @Test("eight workers asking for the same session at the same moment: exactly one gets it", arguments: TestDatabaseKind.allCases)
    func race(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let winners = try await withThrowingTaskGroup(of: SessionLease?.self) { group in
            for worker in 0..<8 {
                group.addTask { try await database.acquireSessionLease(session: "utama", worker: "w\(worker)", at: Self.start, duration: 15) }
            }
            return try await group.reduce(into: [SessionLease]()) { if let lease = $1 { $0.append(lease) } }
        }
        #expect(winners.count == 1, "\(winners)")
        #expect(winners.first?.fencing == 1)
    }

    @Test("cluster status lists live workers with their sessions and leaves out one that stopped beating", arguments: TestDatabaseKind.allCases)
    func status(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let t0 = Self.start
        try await database.registerWorker(id: "host-a-1", host: "host-a", processId: 1, version: "1.0", at: t0)
        try await database.registerWorker(id: "host-b-2", host: "host-b", processId: 2, version: "1.0", at: t0)
        _ = try await database.acquireSessionLease(session: "utama", worker: "host-a-1", at: t0, duration: 15)
        _ = try await database.acquireSessionLease(session: "cadangan", worker: "host-b-2", at: t0, duration: 15)
        // Only a beats on; b's lease runs out.
        _ = try await database.heartbeat(worker: "host-a-1", at: t0.addingTimeInterval(10), leaseDuration: 15)
        let status = try await database.clusterStatus(at: t0.addingTimeInterval(21), workerTimeout: 15)
        #expect(status.workers.map(\.record.id) == ["host-a-1"])
        #expect(status.workers.first?.sessions == ["utama"])
        #expect(status.workers.first?.sentLastMinute == 0)
        #expect(status.leases.map(\.session) == ["cadangan", "utama"])
        #expect(status.leases.first { $0.session == "cadangan" }?.owner == "host-b-2", "the lease row stays, run out")
    }

    @Test("a claim under a lost lease claims nothing, still records the sends, and says which session was lost",
          arguments: TestDatabaseKind.allCases)
    func fencedClaim(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await Self.campaign("f", phones: "62812000000", in: database)
        @Sendable func state(_ id: String) async throws -> String? { try await Self.state(of: id, in: database) }
        let now = Date()
        let lease = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 60))
        try await database.recordSent([], thenClaim: [MessageClaim(id: "f-1", session: "utama", fence: LeaseFence(worker: "a", fencing: lease.fencing))])
        #expect(try await state("f-1") == "sending", "claimed under the lease")

        // b takes the session over (a's lease ran out); a, waking up, sends f-1 and tries to claim f-2.
        let later = now.addingTimeInterval(120)
        _ = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: later, duration: 60))
        let lost = await #expect(throws: SessionLeaseLost.self) {
            try await database.recordSent([SentMessage(id: "f-1", at: later)],
                                          thenClaim: [MessageClaim(id: "f-2", session: "utama", fence: LeaseFence(worker: "a", fencing: lease.fencing))])
        }
        #expect(lost?.sessions == ["utama"])
        #expect(try await state("f-1") == "sent", "the send a made is recorded all the same")
        #expect(try await state("f-2") == "pending", "nothing claimed for a session a lost")
        // Without a lease at all (fencing 0) nothing is claimed either; without a fence (SQLite, one machine) it is.
        await #expect(throws: SessionLeaseLost.self) {
            try await database.recordSent([], thenClaim: [MessageClaim(id: "f-2", session: "cadangan", fence: LeaseFence(worker: "a", fencing: 0))])
        }
        try await database.recordSent([], thenClaim: [MessageClaim(id: "f-3", session: "cadangan")])
        #expect(try await state("f-3") == "sending")
    }

    @Test("sends riding along a session-state write are recorded in its transaction, and not when the lease is stale",
          arguments: TestDatabaseKind.allCases)
    func sendsRideAlong(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await Self.campaign("r", phones: "62813000000", in: database)
        @Sendable func state(_ id: String) async throws -> String? { try await Self.state(of: id, in: database) }
        let now = Date()
        let lease = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 60))
        let fence = LeaseFence(worker: "a", fencing: lease.fencing)
        try await database.recordSent([], thenClaim: (1...3).map { MessageClaim(id: "r-\($0)", session: "utama", fence: fence) })
        let write = SessionStateWrite(kind: "session", key: "6281300000002.0", value: Data([1, 2, 3]))

        // r-1 went out; r-2's state is written before its frame, and records r-1 on the way.
        let riding = SendsRidingAlong([SentMessage(id: "r-1", at: now)])
        try await SendsRidingAlong.$current.withValue(riding) {
            try await database.writeSessionState(session: "utama", [write], fence: fence, at: now)
        }
        #expect(riding.recorded)
        #expect(try await state("r-1") == "sent")
        #expect(try await state("r-2") == "sending")

        // b took the session over: a's state write is refused, and so is what rode along with it.
        let later = now.addingTimeInterval(120)
        _ = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: later, duration: 60))
        let stale = SendsRidingAlong([SentMessage(id: "r-2", at: later)])
        await #expect(throws: StoreError.self) {
            try await SendsRidingAlong.$current.withValue(stale) {
                try await database.writeSessionState(session: "utama", [write], fence: fence, at: later)
            }
        }
        #expect(!stale.recorded, "the send loop keeps it and records it with its next claim")
        #expect(try await state("r-2") == "sending")
    }

    @Test("claims are exclusive: a message on the wire under a live worker's number is not another's to claim; once that worker's lease ran out it is, with the same id",
          arguments: TestDatabaseKind.allCases)
    func exclusiveClaims(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('x', 'Promo', 'sending', ?, 'x')", Date())
            for n in 1...2 {
                let phone = "62812000001\(n)"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES ('x', ?, ?) RETURNING id", phone, n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, 'x', ?, ?, 'Halo', 'pending', ?)",
                               "x-\(n)", contact, phone, Date())
            }
        }
        let now = Date()
        let a = LeaseFence(worker: "a", fencing: try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 60)).fencing)
        let b = LeaseFence(worker: "b", fencing: try #require(try await database.acquireSessionLease(session: "cadangan", worker: "b", at: now, duration: 60)).fencing)
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "x-1", session: "utama", fence: a)]) == ["x-1"])
        // b asks for both: x-1 is on the wire at a, x-2 is free.
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "x-1", session: "cadangan", fence: b),
                                                              MessageClaim(id: "x-2", session: "cadangan", fence: b)]) == ["x-2"])
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "x-2", session: "utama", fence: a)]).isEmpty, "b has x-2 now")
        // a dies: its lease runs out. Its message is b's to send again, under the same id.
        try await database.write { db in try db.execute("UPDATE sessionLeases SET expiresAt = ? WHERE session = 'utama'", now.addingTimeInterval(-1)) }
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "x-1", session: "cadangan", fence: b)]) == ["x-1"])
        let rows = try await database.read { db in
            try db.query("SELECT id, session, attempts FROM messages ORDER BY id").map { (try $0.string("id"), $0.optionalString("session"), try $0.int("attempts")) }
        }
        #expect(rows.map(\.0) == ["x-1", "x-2"] && rows.allSatisfy { $0.1 == "cadangan" }, "\(rows)")
        #expect(rows.first?.2 == 2, "x-1's second attempt")
        // A sent message is nobody's to claim.
        try await database.recordSent([SentMessage(id: "x-2", at: now)], thenClaim: [])
        #expect(try await database.recordSent([], thenClaim: [MessageClaim(id: "x-2", session: "cadangan", fence: b)]).isEmpty)
    }

    /// A sending campaign `id` of three pending messages `id-1`…`id-3` to `phones1`…`phones3`.
    static func campaign(_ id: String, phones: String, in database: SiaranDatabase) async throws {
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES (?, 'Promo', 'sending', ?, 'x')", id, Date())
            for n in 1...3 {
                let phone = "\(phones)\(n)"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES (?, ?, ?) RETURNING id", id, phone, n)!.int64("id")
                try db.execute("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, ?, ?, ?, 'Halo', 'pending', ?)",
                               "\(id)-\(n)", id, contact, phone, Date())
            }
        }
    }

    static func state(of message: String, in database: SiaranDatabase) async throws -> String? {
        try await database.read { db in try db.scalar("SELECT state FROM messages WHERE id = ?", message).textValue }
    }
}
