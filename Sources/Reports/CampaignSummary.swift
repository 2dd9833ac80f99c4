public import Foundation

/// `summary.json`: the machine-readable totals and rates of a campaign (snake_case keys, rates as
/// fractions rounded to three places).
public struct CampaignSummary: Codable, Sendable, Equatable {
    public struct Variant: Codable, Sendable, Equatable {
        public var name: String
        public var total, sent, delivered, read, replied, failed: Int
        public var delivery_rate, read_rate, reply_rate: Double
    }

    public var campaign: String
    public var name: String
    public var state: String
    public var partial: Bool
    public var total, rejected, sent, delivered, read, replied, failed, pending: Int
    public var delivery_rate, read_rate, reply_rate: Double
    public var started_at: String?
    public var finished_at: String?
    public var first_sent_at: String?
    public var last_sent_at: String?
    public var generated_at: String
    public var time_zone: String
    public var variants: [Variant]
    public var failure_reasons: [String: Int]
    public var rejection_reasons: [String: Int]

    public init(_ overview: CampaignOverview, timeZone: TimeZone) {
        var dates = LocalTimeFormatter(timeZone: timeZone)
        func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        campaign = overview.campaign.id
        name = overview.campaign.name
        state = overview.campaign.state.rawValue
        partial = overview.partial
        total = overview.counts.total
        rejected = overview.rejected
        sent = overview.sent
        delivered = overview.delivered
        read = overview.counts.read
        replied = overview.counts.replied
        failed = overview.counts.failed
        pending = overview.pending
        delivery_rate = rounded(overview.deliveryRate)
        read_rate = rounded(overview.readRate)
        reply_rate = rounded(overview.replyRate)
        started_at = overview.campaign.startedAt.map { dates.iso8601($0) }
        finished_at = overview.campaign.finishedAt.map { dates.iso8601($0) }
        first_sent_at = overview.firstSent.map { dates.iso8601($0) }
        last_sent_at = overview.lastSent.map { dates.iso8601($0) }
        generated_at = dates.iso8601(overview.generatedAt)
        time_zone = timeZone.identifier
        variants = overview.variants.map {
            Variant(name: $0.name, total: $0.total, sent: $0.sent, delivered: $0.delivered, read: $0.read, replied: $0.replied,
                    failed: $0.failed, delivery_rate: rounded($0.deliveryRate), read_rate: rounded($0.readRate), reply_rate: rounded($0.replyRate))
        }
        failure_reasons = Dictionary(overview.failureReasons.map { ($0.reason, $0.count) }, uniquingKeysWith: +)
        rejection_reasons = Dictionary(overview.rejectionReasons.map { ($0.reason, $0.count) }, uniquingKeysWith: +)
    }

    /// Writes `summary.json` atomically.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let output = try AtomicFileOutput(path: path, campaign: campaign)
        try output.write(bytes: Array(try encoder.encode(self)))
        try output.write("\n")
        try output.commit()
    }
}
