public import Foundation

/// A campaign's totals and chart series as stored, read in one snapshot. Sizes are bounded
/// (hours, variants, reasons), never one entry per message.
public struct CampaignFigures: Sendable {
    public var campaign: CampaignRecord
    public var counts: MessageCounts
    public var rejected: Int
    public var firstQueued: Date?
    public var firstSent: Date?
    public var lastSent: Date?
    public var sendsPerHour: [HourCount]
    public var variants: [VariantRates]
    public var failureReasons: [ReasonCount]
    public var rejectionReasons: [ReasonCount]
    /// The first message as it was rendered.
    public var sampleText: String?
    /// A test-then-winner campaign's sample and decision (`ab_test:`).
    public var abTest: ABTestRecord?
    /// A `send_time: best` campaign's messages at their best hour against those in the campaign's order.
    public var sendTimes: SendTimeComparison? = nil

    /// Messages sent (or failed) in one UTC hour.
    public struct HourCount: Sendable, Equatable {
        public var start: Date
        public var sent: Int
        public var failed: Int

        public init(start: Date, sent: Int, failed: Int) {
            self.start = start
            self.sent = sent
            self.failed = failed
        }
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
        /// Recipients whose reply to this variant was an opt-out word (STOP, BERHENTI).
        public var optedOut: Int
        public var deliveryRate: Double { CampaignFigures.rate(delivered, sent) }
        public var readRate: Double { CampaignFigures.rate(read, sent) }
        public var replyRate: Double { CampaignFigures.rate(replied, sent) }

        public init(name: String, total: Int, sent: Int, delivered: Int, read: Int, replied: Int, failed: Int, optedOut: Int = 0) {
            self.name = name
            self.optedOut = optedOut
            self.total = total
            self.sent = sent
            self.delivered = delivered
            self.read = read
            self.replied = replied
            self.failed = failed
        }
    }

    public struct ReasonCount: Sendable, Equatable {
        public var reason: String
        public var count: Int

        public init(reason: String, count: Int) {
            self.reason = reason
            self.count = count
        }
    }

    public static func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}
