import Foundation
@testable import Store
import Testing

/// The questions asked on every send or every live update must be answered from an index, never
/// by reading every message: a plan that scans is fast in a test and slow after a year of work.
@Suite("Query plans of the hot paths")
struct QueryPlanTests {
    private func plan(_ sql: String, _ arguments: [any SQLBindable]) async throws -> String {
        let database = try SiaranDatabase()
        let values = arguments.map(\.sqlValue)
        return try await database.read { db in
            try db.query("EXPLAIN QUERY PLAN " + sql, values).map { try $0.string("detail") }.joined(separator: "\n")
        }
    }

    @Test("the sender picks its next messages by campaign and state")
    func nextMessages() async throws {
        let plan = try await plan(SiaranDatabase.nextMessagesSQL, ["c1", Date(), 50])
        #expect(plan.contains("messagesByCampaignState"), "\(plan)")
        #expect(!plan.contains("SCAN messages") && !plan.contains("messagesByActivity"), "\(plan)")
    }

    @Test("the caps count a session's recent sends from the session index")
    func sentCount() async throws {
        let plan = try await plan(SiaranDatabase.sentCountSQL, ["toko", Date()])
        #expect(plan.contains("messagesBySessionSent"), "\(plan)")
        #expect(!plan.contains("SCAN messages"), "\(plan)")
    }

    @Test("the live page's recent messages walk the activity index without sorting")
    func recentActivity() async throws {
        let plan = try await plan(SiaranDatabase.recentActivitySQL(.sqlite), ["c1", 10])
        #expect(plan.contains("messagesByActivity"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE") && !plan.contains("SCAN messages"), "\(plan)")
    }

    @Test("a campaign's counts are read from its tallies")
    func counts() async throws {
        let plan = try await plan("SELECT campaignId, state, count, replied FROM messageTallies WHERE campaignId IN (?, ?) AND count > 0", ["a", "b"])
        #expect(!plan.contains("SCAN"), "\(plan)")
        #expect(!plan.contains("messages "), "\(plan)")
    }
}
