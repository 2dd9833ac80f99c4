public import Foundation
public import GRDB
public import Store

/// The totals, rates and chart series of one campaign, gathered in one read transaction so every
/// format of a report shows the same numbers. Sizes are bounded (hours, variants, reasons), never
/// one entry per message.
public struct CampaignOverview: Sendable {
    public var campaign: CampaignRecord
    public var counts: MessageCounts
    public var rejected: Int
    /// A cancelled campaign's report: it shows what happened until the cancel.
    public var partial: Bool
    public var generatedAt: Date
    public var firstQueued: Date?
    public var firstSent: Date?
    public var lastSent: Date?
    public var sendsPerHour: [HourCount]
    public var variants: [VariantRates]
    public var failureReasons: [ReasonCount]
    public var rejectionReasons: [ReasonCount]
    /// The first message as it was rendered, for the cover and the preview.
    public var sampleText: String?

    /// Messages that left: sent, delivered or read.
    public var sent: Int { counts.sent + counts.delivered + counts.read }
    public var delivered: Int { counts.delivered + counts.read }
    public var pending: Int { counts.pending + counts.sending + counts.retrying }
    public var deliveryRate: Double { Self.rate(delivered, sent) }
    public var readRate: Double { Self.rate(counts.read, sent) }
    public var replyRate: Double { Self.rate(counts.replied, sent) }

    /// Messages sent (or failed) in one UTC hour.
    public struct HourCount: Sendable, Equatable {
        public var start: Date
        public var sent: Int
        public var failed: Int
    }

    /// How one message variant (A/B test) did.
    public struct VariantRates: Sendable, Equatable {
        public var name: String
        public var total: Int
        public var sent: Int
        public var delivered: Int
        public var read: Int
        public var replied: Int
        public var failed: Int
        public var deliveryRate: Double { CampaignOverview.rate(delivered, sent) }
        public var readRate: Double { CampaignOverview.rate(read, sent) }
        public var replyRate: Double { CampaignOverview.rate(replied, sent) }
    }

    public struct ReasonCount: Sendable, Equatable {
        public var reason: String
        public var count: Int
    }

    static func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

    /// Reads everything but the per-message rows. Throws `ReportsError.unknownCampaign`.
    /// - Parameter finalState: the state the campaign is about to enter (the runner writes the
    ///   report just before it records the end state); nil shows the stored one.
    public static func load(_ db: Database, campaign id: String, partial: Bool, now: Date = Date(),
                            finalState: CampaignRecord.State? = nil) throws -> CampaignOverview {
        guard var campaign = try CampaignRecord.fetchOne(db, key: id) else { throw ReportsError(.unknownCampaign, campaign: id) }
        if let finalState {
            campaign.state = finalState
            campaign.finishedAt = campaign.finishedAt ?? now
        }
        let counts = try SiaranDatabase.messageCounts(of: id, in: db)
        let rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejectedContacts WHERE campaignId = ?", arguments: [id]) ?? 0
        let times = try Row.fetchOne(db, sql: """
            SELECT \(MessageReportRow.millis("MIN(queuedAt)")), \(MessageReportRow.millis("MIN(sentAt)")), \(MessageReportRow.millis("MAX(sentAt)"))
            FROM messages WHERE campaignId = ?
            """, arguments: [id])
        let hours = try Row.fetchAll(db, sql: """
            SELECT hour, SUM(sent), SUM(failed) FROM (
              SELECT CAST(strftime('%s', sentAt) AS INTEGER) / 3600 AS hour, 1 AS sent, 0 AS failed
                FROM messages WHERE campaignId = ? AND sentAt IS NOT NULL
              UNION ALL
              SELECT CAST(strftime('%s', failedAt) AS INTEGER) / 3600, 0, 1
                FROM messages WHERE campaignId = ? AND state = 'failed' AND failedAt IS NOT NULL
            ) GROUP BY hour ORDER BY hour
            """, arguments: [id, id]).map {
            HourCount(start: Date(timeIntervalSince1970: Double(($0[0] as Int64)) * 3600), sent: $0[1], failed: $0[2])
        }
        let variants = try Row.fetchAll(db, sql: """
            SELECT COALESCE(variant, ''), COUNT(*), SUM(state IN ('sent', 'delivered', 'read')), SUM(state IN ('delivered', 'read')),
                   SUM(state = 'read'), SUM(repliedAt IS NOT NULL), SUM(state = 'failed')
            FROM messages WHERE campaignId = ? GROUP BY COALESCE(variant, '') ORDER BY 1
            """, arguments: [id]).map {
            VariantRates(name: $0[0], total: $0[1], sent: $0[2], delivered: $0[3], read: $0[4], replied: $0[5], failed: $0[6])
        }
        let failures = try Row.fetchAll(db, sql: """
            SELECT COALESCE(reason, 'unknown'), COUNT(*) FROM messages WHERE campaignId = ? AND state = 'failed'
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12
            """, arguments: [id]).map { ReasonCount(reason: $0[0], count: $0[1]) }
        let refusals = try Row.fetchAll(db, sql: """
            SELECT reason, COUNT(*) FROM rejectedContacts WHERE campaignId = ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12
            """, arguments: [id]).map { ReasonCount(reason: $0[0], count: $0[1]) }
        let sample = try String.fetchOne(db, sql: """
            SELECT m.text FROM messages m JOIN contacts c ON c.id = m.contactId WHERE m.campaignId = ? ORDER BY c.line LIMIT 1
            """, arguments: [id])
        return CampaignOverview(
            campaign: campaign, counts: counts, rejected: rejected, partial: partial, generatedAt: now,
            firstQueued: MessageReportRow.date(times?[0]), firstSent: MessageReportRow.date(times?[1]),
            lastSent: MessageReportRow.date(times?[2]), sendsPerHour: hours, variants: variants,
            failureReasons: failures, rejectionReasons: refusals, sampleText: sample
        )
    }
}
