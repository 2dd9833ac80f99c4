public import Foundation
import GRDB

/// `send_time: best`: each contact is sent at the local hour they read or replied most in past
/// real campaigns. When a campaign's sending starts, one transaction gives each of its pending
/// messages an hour (`messages.sendHour`, -1 without history) and a not-before time (the hour's
/// next start, `messages.notBefore`); the queue read leaves a message alone until then. Only
/// messages without an hour are planned, so a restart neither plans twice nor loses the plan.
extension SiaranDatabase {
    /// v15 on SQLite: the chosen hour and not-before time of each message, and the index the
    /// queue reads due timed messages from (only timed messages are in it).
    static func createSendTimeSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: """
            ALTER TABLE messages ADD COLUMN sendHour INTEGER;
            ALTER TABLE messages ADD COLUMN notBefore DATETIME;
            CREATE INDEX messagesBySendTime ON messages(campaignId, state, notBefore, contactId) WHERE notBefore IS NOT NULL;
            """)
    }

    /// v15 on PostgreSQL, the same as `createSendTimeSchema`.
    static let sendTimePostgresSchema = """
        ALTER TABLE messages ADD COLUMN sendHour bigint;
        ALTER TABLE messages ADD COLUMN notBefore timestamptz;
        CREATE INDEX messagesBySendTime ON messages(campaignId, state, notBefore, contactId) WHERE notBefore IS NOT NULL;
        """

    /// For the campaign's pending messages not planned yet: how often each contact read or replied
    /// in each local hour (`utcOffset` seconds east of UTC) in other real campaigns (rehearsals left
    /// out; replies filed under no campaign count, opt-outs do not). Phone → [hour: count].
    public func readReplyHours(of campaign: String, utcOffset: Int) async throws -> [String: [Int: Int]] {
        try await read { db in
            let dialect = db.dialect
            func hour(_ column: String) -> String { "((\(dialect.epochSeconds(column)) + \(utcOffset) + 86400) / 3600) % 24" }
            let phones = "SELECT phone FROM messages WHERE campaignId = ? AND state = 'pending' AND sendHour IS NULL"
            var hours: [String: [Int: Int]] = [:]
            try db.forEachRow("""
                SELECT phone, hour, COUNT(*) FROM (
                  SELECT m.phone AS phone, \(hour("m.readAt")) AS hour
                  FROM messages m JOIN campaigns c ON c.id = m.campaignId
                  WHERE m.phone IN (\(phones)) AND m.campaignId <> ? AND m.readAt IS NOT NULL AND c.rehearsal = ?
                  UNION ALL
                  SELECT r.phone AS phone, \(hour("r.receivedAt")) AS hour
                  FROM replies r LEFT JOIN campaigns c ON c.id = r.campaignId
                  WHERE r.phone IN (\(phones)) AND (r.campaignId IS NULL OR r.campaignId <> ?) AND (c.id IS NULL OR c.rehearsal = ?)
                    AND r.isOptOut = ?
                ) AS times GROUP BY phone, hour
                """, [.text(campaign), .text(campaign), .bool(false), .text(campaign), .text(campaign), .bool(false), .bool(false)]) { row in
                hours[try row.string(at: 0), default: [:]][try row.int(at: 1)] = try row.int(at: 2)
            }
            return hours
        }
    }

    /// Plans the campaign's pending messages not planned yet, in one transaction: each phone in
    /// `times` gets its hour and not-before time, every other one hour -1 (the campaign's order).
    /// Returns how many messages got a time.
    @discardableResult
    public func planSendTimes(of campaign: String, times: [String: (hour: Int, notBefore: Date)]) async throws -> Int {
        try await write { db in
            var byTime: [Date: (hour: Int, phones: [String])] = [:]
            for (phone, time) in times { byTime[time.notBefore, default: (time.hour, [])].phones.append(phone) }
            var timed = 0
            for (notBefore, group) in byTime.sorted(by: { $0.key < $1.key }) {
                for chunk in group.phones.sorted().chunked(into: Self.rowsPerStatement) {
                    timed += try db.execute("""
                        UPDATE messages SET sendHour = ?, notBefore = ?
                        WHERE campaignId = ? AND state = 'pending' AND sendHour IS NULL AND phone IN (\(db.placeholders(chunk.count)))
                        """, [SQLValue.integer(Int64(group.hour)), .date(notBefore), .text(campaign)] + chunk.map(SQLValue.text))
                }
            }
            try db.execute("UPDATE messages SET sendHour = -1 WHERE campaignId = ? AND state = 'pending' AND sendHour IS NULL", campaign)
            return timed
        }
    }

    /// The earliest not-before time of the campaign's pending timed messages, if any.
    public func nextSendTime(of campaign: String) async throws -> Date? {
        try await read { db in
            try db.scalar("SELECT MIN(notBefore) FROM messages WHERE campaignId = ? AND state = 'pending' AND notBefore IS NOT NULL", campaign).dateValue
        }
    }
}

extension StoreSnapshot {
    /// A `send_time: best` campaign's messages sent at a chosen hour and those sent in the
    /// campaign's order (no history): acknowledged, read and replied; nil for other campaigns.
    public func sendTimeComparison(of campaign: String) throws -> SendTimeComparison? {
        let rows = try db.query("""
            SELECT CASE WHEN sendHour >= 0 THEN 1 ELSE 0 END AS timed,
                   SUM(CASE WHEN state IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state = 'read' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN repliedAt IS NOT NULL THEN 1 ELSE 0 END), COUNT(*)
            FROM messages WHERE campaignId = ? AND sendHour IS NOT NULL
            GROUP BY CASE WHEN sendHour >= 0 THEN 1 ELSE 0 END
            """, campaign)
        guard !rows.isEmpty else { return nil }
        var comparison = SendTimeComparison()
        for row in rows {
            let group = SendTimeComparison.Group(messages: try row.int(at: 4), sent: row.optionalInt(at: 1) ?? 0,
                                                 read: row.optionalInt(at: 2) ?? 0, replied: row.optionalInt(at: 3) ?? 0)
            if try row.int(at: 0) == 1 { comparison.bestHour = group } else { comparison.campaignOrder = group }
        }
        return comparison
    }
}

/// How the messages sent at each contact's best hour did against those sent in the campaign's order.
public struct SendTimeComparison: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var messages: Int
        public var sent: Int
        public var read: Int
        public var replied: Int
        public var readRate: Double { CampaignFigures.rate(read, sent) }
        public var replyRate: Double { CampaignFigures.rate(replied, sent) }

        public init(messages: Int = 0, sent: Int = 0, read: Int = 0, replied: Int = 0) {
            self.messages = messages
            self.sent = sent
            self.read = read
            self.replied = replied
        }
    }

    /// Contacts with history, each at their hour.
    public var bestHour = Group()
    /// Contacts without history, in the campaign's order.
    public var campaignOrder = Group()
    /// Both kinds went out, so the rates can be compared.
    public var comparable: Bool { bestHour.sent > 0 && campaignOrder.sent > 0 }

    public init() {}
}
