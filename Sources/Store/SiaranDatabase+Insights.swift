public import Foundation

/// When the people a campaign messaged replied: the figures its insights paragraph says
/// "when people replied" from. Bounded in size (hours of the campaign, four delay bands).
public struct ReplyTiming: Sendable, Equatable {
    public struct HourCount: Sendable, Equatable {
        /// The start of a UTC hour.
        public var start: Date
        public var replies: Int

        public init(start: Date, replies: Int) {
            self.start = start
            self.replies = replies
        }
    }

    /// Replies in each UTC hour that had any, in time order.
    public var byHour: [HourCount]
    /// Replies that came within an hour of the message being sent, within 1–6 hours, within
    /// 6–24 hours, and later (replies whose message has no send time are not counted here).
    public var withinHour: Int
    public var withinSixHours: Int
    public var withinDay: Int
    public var later: Int

    public init(byHour: [HourCount] = [], withinHour: Int = 0, withinSixHours: Int = 0, withinDay: Int = 0, later: Int = 0) {
        self.byHour = byHour
        self.withinHour = withinHour
        self.withinSixHours = withinSixHours
        self.withinDay = withinDay
        self.later = later
    }

    public var replies: Int { byHour.reduce(0) { $0 + $1.replies } }
}

extension StoreSnapshot {
    /// The reply times of one campaign, in this snapshot (so they match the other figures of the
    /// same report).
    public func replyTiming(of campaign: String) throws -> ReplyTiming {
        let dialect = db.dialect
        let hours = try db.query("""
            SELECT \(dialect.epochSeconds("repliedAt")) / 3600 AS hour, COUNT(*)
            FROM messages WHERE campaignId = ? AND repliedAt IS NOT NULL GROUP BY hour ORDER BY hour
            """, campaign).map {
            ReplyTiming.HourCount(start: Date(timeIntervalSince1970: Double(try $0.int(at: 0)) * 3600), replies: try $0.int(at: 1))
        }
        let bands = try db.queryOne("""
            SELECT COALESCE(SUM(CASE WHEN delay < 3600 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN delay >= 3600 AND delay < 21600 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN delay >= 21600 AND delay < 86400 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN delay >= 86400 THEN 1 ELSE 0 END), 0)
            FROM (SELECT \(dialect.epochSeconds("repliedAt")) - \(dialect.epochSeconds("sentAt")) AS delay
                  FROM messages WHERE campaignId = ? AND repliedAt IS NOT NULL AND sentAt IS NOT NULL) AS replies
            """, campaign)
        return ReplyTiming(byHour: hours, withinHour: try bands?.int(at: 0) ?? 0, withinSixHours: try bands?.int(at: 1) ?? 0,
                           withinDay: try bands?.int(at: 2) ?? 0, later: try bands?.int(at: 3) ?? 0)
    }
}
