public import Foundation

/// How one session's messages fared with the server: acknowledged (`sent`, `delivered` or `read`)
/// and, of those, still at `sent` (no delivery receipt). Many acknowledged messages that never
/// reach a phone are the usual sign of a number WhatsApp restricts without saying so.
public struct SessionDeliveryHealth: Sendable, Equatable {
    public var session: String
    public var acknowledged: Int
    public var stuck: Int

    public init(session: String, acknowledged: Int, stuck: Int) {
        self.session = session
        self.acknowledged = acknowledged
        self.stuck = stuck
    }
}

/// One message the server acknowledged that has had no delivery receipt since.
public struct StuckMessageRow: Sendable, Equatable {
    public var phone: String
    public var name: String
    public var messageID: String
    public var session: String
    public var sentAt: Date

    public init(phone: String, name: String, messageID: String, session: String, sentAt: Date) {
        self.phone = phone
        self.name = name
        self.messageID = messageID
        self.session = session
        self.sentAt = sentAt
    }
}

extension SiaranDatabase {
    /// Per session, the messages of real campaigns (rehearsals left out) the server acknowledged
    /// with `sentFrom <= sentAt < sentBefore`, and how many of them are still at `sent`. Only
    /// campaigns that can have sent in that period are read (open, or finished after `sentFrom`).
    public func deliveryHealth(sentFrom: Date, sentBefore: Date) async throws -> [SessionDeliveryHealth] {
        try await read { db in
            try db.query("""
                SELECT m.session, COUNT(*), SUM(CASE WHEN m.state = 'sent' THEN 1 ELSE 0 END)
                FROM messages m JOIN campaigns c ON c.id = m.campaignId
                WHERE c.rehearsal = ? AND (c.finishedAt IS NULL OR c.finishedAt >= ?)
                  AND m.state IN ('sent', 'delivered', 'read') AND m.session IS NOT NULL
                  AND m.sentAt >= ? AND m.sentAt < ?
                GROUP BY m.session ORDER BY m.session
                """, false, sentFrom, sentFrom, sentBefore).map {
                SessionDeliveryHealth(session: try $0.string(at: 0), acknowledged: try $0.int(at: 1), stuck: $0.optionalInt(at: 2) ?? 0)
            }
        }
    }

    /// Marks the reports of finished campaigns out of date when some of their messages, sent with
    /// `sentFrom <= sentAt < sentBefore`, are still at `sent`: they have just become stuck (older
    /// than the alert age), so the reports' list of them must be written again. Returns how many
    /// campaigns were marked.
    @discardableResult
    public func markReportsStaleForStuckMessages(sentFrom: Date, sentBefore: Date, at date: Date) async throws -> Int {
        try await write { db in
            try db.execute("""
                UPDATE campaigns SET reportsStaleSince = ?
                WHERE state IN ('done', 'cancelled') AND finishedAt >= ?
                  AND EXISTS (SELECT 1 FROM messages m WHERE m.campaignId = campaigns.id AND m.state = 'sent'
                              AND m.sentAt >= ? AND m.sentAt < ?)
                """, date, sentFrom, sentFrom, sentBefore)
        }
    }
}

extension StoreSnapshot {
    /// How many of a campaign's messages the server acknowledged before `sentBefore` and that are
    /// still at `sent` (no delivery receipt).
    public func stuckAtSentCount(of campaign: String, sentBefore: Date) throws -> Int {
        try db.scalarInt("SELECT COUNT(*) FROM messages WHERE campaignId = ? AND state = 'sent' AND sentAt < ?", campaign, sentBefore)
    }

    /// Those messages one at a time, oldest first; at most `limit` when given.
    public func forEachStuckAtSent(of campaign: String, sentBefore: Date, limit: Int? = nil, _ body: (StuckMessageRow) throws -> Void) throws {
        let dialect = db.dialect
        let names = ["name", "nama", "Name", "Nama", "NAME", "NAMA"].map { dialect.jsonText("c.variables", key: $0) }.joined(separator: ", ")
        try db.forEachRow("""
            SELECT m.phone, COALESCE(\(names), '') AS name, m.id, COALESCE(m.session, '') AS session, \(dialect.epochMilliseconds("m.sentAt"))
            FROM messages m JOIN contacts c ON c.id = m.contactId
            WHERE m.campaignId = ? AND m.state = 'sent' AND m.sentAt < ?
            ORDER BY m.sentAt, c.line\(limit.map { " LIMIT \($0)" } ?? "")
            """, [.text(campaign), sentBefore.sqlValue]) { row in
            try body(StuckMessageRow(phone: try row.string(at: 0), name: row.optionalString(at: 1) ?? "", messageID: try row.string(at: 2),
                                     session: try row.string(at: 3), sentAt: Date(timeIntervalSince1970: Double(try row.int(at: 4)) / 1000)))
        }
    }
}
