import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// The questions asked on every send or every live update must be answered from an index, never
/// by reading every message: a plan that scans is fast in a test and slow after a year of work.
/// Both backends: SQLite's `EXPLAIN QUERY PLAN`, and PostgreSQL's `EXPLAIN` with sequential scans
/// and sorts priced out (on empty tables its planner would rightly prefer a scan, so the test asks
/// whether an index *can* answer, which is what matters once the tables are large).
@Suite("Query plans of the hot paths")
struct QueryPlanTests {
    private func plan(_ kind: TestDatabaseKind, _ sql: String, _ arguments: [any SQLBindable]) async throws -> String {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let values = arguments.map(\.sqlValue)
        try await test.database.write { db in try Self.fill(db) }
        // Lower-cased: PostgreSQL folds unquoted index names.
        return try await test.database.read { db in
            switch db.dialect {
            case .sqlite:
                return try db.query("EXPLAIN QUERY PLAN " + sql, values).map { try $0.string("detail") }.joined(separator: "\n").lowercased()
            case .postgres:
                try db.execute("SET LOCAL enable_seqscan = off")
                try db.execute("SET LOCAL enable_sort = off")
                return try db.query("EXPLAIN " + sql, values).map { try $0.string(at: 0) }.joined(separator: "\n").lowercased()
            }
        }
    }

    /// A campaign of 5,000 messages, most of them sent. PostgreSQL gathers statistics by itself
    /// (autovacuum), and on empty tables any index looks as good as another to it, so they are
    /// gathered here; Siaran never runs ANALYZE on SQLite, whose planner then goes by the indexes'
    /// shape (without a histogram, statistics would make it scan for the 4% unsent).
    static func fill(_ db: any SQLConnection) throws {
        let now = Date()
        try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c1', 'Promo', 'sending', ?, 'x')", now)
        try db.execute("""
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
            INSERT INTO contacts (campaignId, phone, line) SELECT 'c1', '62812' || (10000000 + n), n FROM g
            """)
        try db.execute("""
            INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt, session, sentAt)
            SELECT 'm' || id, campaignId, id, phone, 'Halo', CASE WHEN line <= 4800 THEN 'sent' ELSE 'pending' END, ?, 'toko',
                   CASE WHEN line <= 4800 THEN ? END
            FROM contacts
            """, now, now)
        if db.dialect == .postgres { try db.execute("ANALYZE") }
    }

    /// Whether the plan reads every row of `table` (a full scan) rather than through an index.
    private func scans(_ plan: String, _ table: String) -> Bool {
        plan.contains("scan \(table)") && !plan.contains("scan \(table) using") || plan.contains("seq scan on \(table)")
    }

    @Test("the sender reads its next messages from one index range in order, without sorting", arguments: TestDatabaseKind.allCases)
    func nextMessages(_ kind: TestDatabaseKind) async throws {
        for (sql, arguments) in [(SiaranDatabase.nextPendingSQL, ["c1", 50] as [any SQLBindable]),
                                 (SiaranDatabase.nextPendingAfterSQL, ["c1", Int64(4_900), 50]),
                                 (SiaranDatabase.nextPendingUpToSQL, ["c1", Int64(4_900), 50]),
                                 (SiaranDatabase.nextSendingSQL, ["c1", 50]),
                                 (SiaranDatabase.nextRetryingSQL, ["c1", Date(), 50])] {
            let plan = try await plan(kind, sql, arguments)
            #expect(plan.contains("messagesbysendorder"), "\(plan)")
            #expect(!scans(plan, "messages") && !plan.contains("temp b-tree") && !plan.contains("sort"), "\(plan)")
        }
    }

    @Test("send_time: best reads the messages whose hour has come from the send-time index, in order", arguments: TestDatabaseKind.allCases)
    func nextTimed(_ kind: TestDatabaseKind) async throws {
        let plan = try await plan(kind, SiaranDatabase.nextTimedSQL, ["c1", Date(), 50])
        #expect(plan.contains("messagesbysendtime"), "\(plan)")
        #expect(!scans(plan, "messages") && !plan.contains("temp b-tree"), "\(plan)")
    }

    @Test("the caps count a session's recent sends from the session index", arguments: TestDatabaseKind.allCases)
    func sentCount(_ kind: TestDatabaseKind) async throws {
        let plan = try await plan(kind, SiaranDatabase.sentCountSQL, ["toko", Date()])
        #expect(plan.contains("messagesbysessionsent"), "\(plan)")
        #expect(!scans(plan, "messages"), "\(plan)")
    }

    @Test("the live page's recent messages walk the activity index without sorting", arguments: TestDatabaseKind.allCases)
    func recentActivity(_ kind: TestDatabaseKind) async throws {
        let plan = try await plan(kind, SiaranDatabase.recentActivitySQL(kind == .sqlite ? .sqlite : .postgres), ["c1", 10])
        #expect(plan.contains("messagesbyactivity"), "\(plan)")
        #expect(!plan.contains("temp b-tree") && !plan.contains("sort") && !scans(plan, "messages"), "\(plan)")
    }

    @Test("a campaign's counts are read from its tallies", arguments: TestDatabaseKind.allCases)
    func counts(_ kind: TestDatabaseKind) async throws {
        let plan = try await plan(kind, "SELECT campaignId, state, count, replied FROM messageTallies WHERE campaignId IN (?, ?) AND count > 0", ["a", "b"])
        #expect(!scans(plan, "messagetallies"), "\(plan)")
        #expect(!plan.contains("messages ") && !plan.contains("on messages"), "\(plan)")
    }
}
