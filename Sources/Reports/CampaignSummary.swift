public import Foundation
public import VariantStatistics
import Store

/// `summary.json`: the machine-readable totals and rates of a campaign (snake_case keys, rates as
/// fractions rounded to three places).
public struct CampaignSummary: Codable, Sendable, Equatable {
    /// A variant's counts, rates and A/B statistics (VariantStatistics): Wilson 95% intervals and
    /// the Holm-corrected p-value against the best variant, null for the best.
    public struct Variant: Codable, Sendable, Equatable {
        public var name: String
        public var total, sent, delivered, read, replied, failed, opted_out: Int
        public var delivery_rate, read_rate, reply_rate: Double
        public var reply_rate_ci, read_rate_ci: [Double]
        public var p_value_vs_best: Double?
        public var read_p_value_vs_best: Double?

        enum CodingKeys: String, CodingKey {
            case name, total, sent, delivered, read, replied, failed, opted_out, delivery_rate, read_rate, reply_rate
            case reply_rate_ci, read_rate_ci, p_value_vs_best, read_p_value_vs_best
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            for (key, value) in [(CodingKeys.total, total), (.sent, sent), (.delivered, delivered), (.read, read), (.replied, replied),
                                 (.failed, failed), (.opted_out, opted_out)] {
                try c.encode(value, forKey: key)
            }
            try c.encode(delivery_rate, forKey: .delivery_rate)
            try c.encode(read_rate, forKey: .read_rate)
            try c.encode(reply_rate, forKey: .reply_rate)
            try c.encode(reply_rate_ci, forKey: .reply_rate_ci)
            try c.encode(read_rate_ci, forKey: .read_rate_ci)
            try c.encode(p_value_vs_best, forKey: .p_value_vs_best)  // null for the best, not absent
            try c.encode(read_p_value_vs_best, forKey: .read_p_value_vs_best)
        }
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
    /// Present when the campaign compares two or more named variants.
    public var variant_comparison: ABStatistics.ComparisonJSON?
    /// Present for a test-then-winner campaign (`ab_test:`): the sample and, once made, the decision and why.
    public var ab_test: ABTest?
    public var failure_reasons: [String: Int]
    public var rejection_reasons: [String: Int]
    /// accepted → server ack → delivered → read → replied, counts and shares of accepted.
    public var funnel: Funnel
    /// Messages acknowledged by the server longer than `alert_hours` ago with no delivery receipt;
    /// listed one per line in stuck-at-sent.csv and report.xlsx.
    public var stuck_at_sent: StuckAtSent
    /// Present for a `send_time: best` campaign: each group's counts and rates; `comparable` once both went out.
    public var send_time: SendTime?

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
        let statistics = overview.abStatistics
        variants = zip(overview.variants, statistics.variantsJSON).map { v, s in
            Variant(name: v.name, total: v.total, sent: v.sent, delivered: v.delivered, read: v.read, replied: v.replied,
                    failed: v.failed, opted_out: v.optedOut, delivery_rate: rounded(v.deliveryRate), read_rate: rounded(v.readRate),
                    reply_rate: rounded(v.replyRate), reply_rate_ci: s.reply_rate_ci, read_rate_ci: s.read_rate_ci,
                    p_value_vs_best: s.p_value_vs_best, read_p_value_vs_best: s.read_p_value_vs_best)
        }
        if overview.hasVariantComparison {
            variant_comparison = statistics.comparisonJSON
        }
        if let test = overview.abTest {
            ab_test = ABTest(sample_size: test.sampleSize, sample_sent_at: dates.iso8601(test.sampleSentAt),
                             decided_at: test.decidedAt.map { dates.iso8601($0) }, winner: test.winner, decided_by: test.decidedBy,
                             p_value: test.pValue, reason: test.reason)
        }
        failure_reasons = Dictionary(overview.failureReasons.map { ($0.reason, $0.count) }, uniquingKeysWith: +)
        rejection_reasons = Dictionary(overview.rejectionReasons.map { ($0.reason, $0.count) }, uniquingKeysWith: +)
        let steps = overview.funnel
        funnel = Funnel(accepted: steps.accepted, server_ack: steps.serverAck, delivered: steps.delivered, read: steps.read, replied: steps.replied,
                        server_ack_share: rounded(steps.share(.serverAck)), delivered_share: rounded(steps.share(.delivered)),
                        read_share: rounded(steps.share(.read)), replied_share: rounded(steps.share(.replied)))
        stuck_at_sent = StuckAtSent(count: overview.stuckAtSent, alert_hours: overview.deliveryAlertHours,
                                    sent_before: dates.iso8601(overview.stuckBefore), file: CampaignStuckReport.fileName)
        if let times = overview.sendTimes {
            func group(_ g: SendTimeComparison.Group) -> SendTime.Group {
                SendTime.Group(messages: g.messages, sent: g.sent, read: g.read, replied: g.replied,
                               read_rate: rounded(g.readRate), reply_rate: rounded(g.replyRate))
            }
            send_time = SendTime(best_hour: group(times.bestHour), campaign_order: group(times.campaignOrder), comparable: times.comparable)
        }
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

extension CampaignSummary {
    /// `funnel` in summary.json; each share is a fraction of `accepted`.
    public struct Funnel: Codable, Sendable, Equatable {
        public var accepted, server_ack, delivered, read, replied: Int
        public var server_ack_share, delivered_share, read_share, replied_share: Double
    }

    /// `send_time` in summary.json: contacts sent at their best hour (`best_hour`) and those without
    /// history sent in the campaign's order (`campaign_order`); rates are of the messages sent.
    public struct SendTime: Codable, Sendable, Equatable {
        public struct Group: Codable, Sendable, Equatable {
            public var messages, sent, read, replied: Int
            public var read_rate, reply_rate: Double
        }
        public var best_hour: Group
        public var campaign_order: Group
        public var comparable: Bool
    }

    /// `stuck_at_sent` in summary.json.
    public struct StuckAtSent: Codable, Sendable, Equatable {
        public var count: Int
        public var alert_hours: Int
        /// Messages acknowledged before this time without a delivery receipt are counted.
        public var sent_before: String
        /// The file that lists them (with report.csv).
        public var file: String
    }

    /// `ab_test` in summary.json: the sample, and once made, the decision and why.
    public struct ABTest: Codable, Sendable, Equatable {
        public var sample_size: Int
        public var sample_sent_at: String
        public var decided_at: String?
        public var winner: String?
        /// `significant`, `fallback-first` or `fallback-higher`.
        public var decided_by: String?
        public var p_value: Double?
        public var reason: String?
    }
}
