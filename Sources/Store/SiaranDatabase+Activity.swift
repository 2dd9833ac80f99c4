public import Foundation

/// One message of a campaign as a live page lists it.
public struct MessageActivityRecord: Sendable, Equatable {
    public var id: String
    public var phone: String
    public var state: String
    public var session: String?
    public var reason: String?
    /// The time of its latest step; nil while it is being sent.
    public var at: Date?
}

extension SiaranDatabase {
    /// Arguments: campaign, limit. Walks the `messagesByActivity` index: a few entries, whatever
    /// the campaign's size (`QueryPlanTests` keeps it so).
    static func recentActivitySQL(_ dialect: SQLDialect) -> String {
        """
        SELECT id, phone, state, session, reason, \(MessageActivity.sql) AS at FROM messages
        WHERE campaignId = ? AND \(MessageActivity.sql) IS NOT NULL ORDER BY \(MessageActivity.sql) DESC, \(dialect.insertionOrder) DESC LIMIT ?
        """
    }

    /// The messages that moved last (newest step first), then any still being sent without a
    /// time yet.
    public func recentMessages(of campaign: String, limit: Int) async throws -> [MessageActivityRecord] {
        try await read { db in
            func record(_ row: SQLRow) throws -> MessageActivityRecord {
                MessageActivityRecord(id: try row.string("id"), phone: try row.string("phone"), state: try row.string("state"),
                                      session: row.optionalString("session"), reason: row.optionalString("reason"), at: row.optionalDate("at"))
            }
            var rows = try db.query(Self.recentActivitySQL(db.dialect), campaign, limit).map(record)
            if rows.count < limit {
                rows += try db.query("""
                    SELECT id, phone, state, session, reason FROM messages
                    WHERE campaignId = ? AND state != 'pending' AND \(MessageActivity.sql) IS NULL ORDER BY \(db.dialect.insertionOrder) DESC LIMIT ?
                    """, campaign, limit - rows.count).map(record)
            }
            return rows
        }
    }
}
