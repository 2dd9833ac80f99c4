public import Foundation

extension SiaranDatabase {
    /// Marks the reports of the finished campaign that sent message `id` as out of date, inside
    /// the transaction that records the receipt (one commit per receipt).
    static func markReportsStale(messageId id: String, in db: any SQLConnection, at date: Date = Date()) throws {
        try db.execute("""
            UPDATE campaigns SET reportsStaleSince = ?
            WHERE id = (SELECT campaignId FROM messages WHERE id = ?) AND state IN ('done', 'cancelled')
            """, date, id)
    }

    /// Marks the reports of finished campaign `campaign` as out of date, inside the caller's transaction.
    static func markReportsStale(campaign: String, in db: any SQLConnection, at date: Date = Date()) throws {
        try db.execute("UPDATE campaigns SET reportsStaleSince = ? WHERE id = ? AND state IN ('done', 'cancelled')", date, campaign)
    }

    /// Finished campaigns whose reports are out of date, with their final state and the mark.
    public func campaignsWithStaleReports() async throws -> [(id: String, state: String, since: Date)] {
        try await read { db in
            try db.query("""
                SELECT id, state, reportsStaleSince FROM campaigns
                WHERE reportsStaleSince IS NOT NULL AND state IN ('done', 'cancelled') ORDER BY reportsStaleSince
                """).map { (try $0.string("id"), try $0.string("state"), try $0.date("reportsStaleSince")) }
        }
    }

    /// Clears the mark after the reports were rewritten, unless a newer receipt moved it meanwhile.
    public func clearReportsStale(campaign: String, since: Date) async throws {
        try await write { db in
            try db.execute("UPDATE campaigns SET reportsStaleSince = NULL WHERE id = ? AND reportsStaleSince = ?", campaign, since)
        }
    }
}
