public import Foundation
import GRDB

extension SiaranDatabase {
    /// v3: receipts and replies keep arriving after a campaign ends; `reportsStaleSince` marks a
    /// finished campaign whose reports no longer show them, until they are written again.
    static func createStaleReportsSchema(_ db: Database) throws {
        try db.alter(table: "campaigns") { t in
            t.add(column: "reportsStaleSince", .datetime)
        }
    }

    /// Marks the reports of the finished campaign that sent message `id` as out of date, inside
    /// the transaction that records the receipt (one commit per receipt).
    static func markReportsStale(messageId id: String, in db: Database, at date: Date = Date()) throws {
        try db.execute(sql: """
            UPDATE campaigns SET reportsStaleSince = ?
            WHERE id = (SELECT campaignId FROM messages WHERE id = ?) AND state IN ('done', 'cancelled')
            """, arguments: [date, id])
    }

    /// Marks the reports of finished campaign `campaign` as out of date, inside the caller's transaction.
    static func markReportsStale(campaign: String, in db: Database, at date: Date = Date()) throws {
        try db.execute(sql: "UPDATE campaigns SET reportsStaleSince = ? WHERE id = ? AND state IN ('done', 'cancelled')",
                       arguments: [date, campaign])
    }

    /// Finished campaigns whose reports are out of date, with their final state and the mark.
    public func campaignsWithStaleReports() async throws -> [(id: String, state: String, since: Date)] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, state, reportsStaleSince FROM campaigns
                WHERE reportsStaleSince IS NOT NULL AND state IN ('done', 'cancelled') ORDER BY reportsStaleSince
                """).map { ($0["id"], $0["state"], $0["reportsStaleSince"]) }
        }
    }

    /// Clears the mark after the reports were rewritten, unless a newer receipt moved it meanwhile.
    public func clearReportsStale(campaign: String, since: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE campaigns SET reportsStaleSince = NULL WHERE id = ? AND reportsStaleSince = ?",
                           arguments: [campaign, since])
        }
    }
}
