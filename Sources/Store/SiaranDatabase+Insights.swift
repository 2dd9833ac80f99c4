public import Foundation
public import GRDB

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

extension SiaranDatabase {
    /// The reply times of one campaign, inside the caller's transaction (so they match the other
    /// figures of the same report).
    public static func replyTiming(of campaign: String, in db: Database) throws -> ReplyTiming {
        let hours = try Row.fetchAll(db, sql: """
            SELECT CAST(strftime('%s', repliedAt) AS INTEGER) / 3600 AS hour, COUNT(*)
            FROM messages WHERE campaignId = ? AND repliedAt IS NOT NULL GROUP BY hour ORDER BY hour
            """, arguments: [campaign]).map {
            ReplyTiming.HourCount(start: Date(timeIntervalSince1970: Double($0[0] as Int64) * 3600), replies: $0[1])
        }
        let bands = try Row.fetchOne(db, sql: """
            SELECT COALESCE(SUM(delay < 3600), 0), COALESCE(SUM(delay >= 3600 AND delay < 21600), 0),
                   COALESCE(SUM(delay >= 21600 AND delay < 86400), 0), COALESCE(SUM(delay >= 86400), 0)
            FROM (SELECT CAST(strftime('%s', repliedAt) AS INTEGER) - CAST(strftime('%s', sentAt) AS INTEGER) AS delay
                  FROM messages WHERE campaignId = ? AND repliedAt IS NOT NULL AND sentAt IS NOT NULL)
            """, arguments: [campaign])
        return ReplyTiming(byHour: hours, withinHour: bands?[0] ?? 0, withinSixHours: bands?[1] ?? 0,
                           withinDay: bands?[2] ?? 0, later: bands?[3] ?? 0)
    }
}
