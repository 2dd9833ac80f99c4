public import Foundation
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
    /// A test-then-winner campaign's sample and decision.
    public var abTest: ABTestRecord? = nil
    /// Messages the server acknowledged more than `deliveryAlertHours` before `generatedAt` that
    /// are still at "sent": no delivery receipt came.
    public var stuckAtSent = 0
    public var deliveryAlertHours = ReportsConfiguration.defaultDeliveryAlertHours
    /// `send_time: best`: read and reply rates at the contacts' best hours against the campaign's order.
    public var sendTimes: SendTimeComparison? = nil

    /// Messages that left: sent, delivered or read.
    public var sent: Int { counts.sent + counts.delivered + counts.read }
    public var delivered: Int { counts.delivered + counts.read }
    public var pending: Int { counts.pending + counts.sending + counts.retrying }
    public var deliveryRate: Double { Self.rate(delivered, sent) }
    public var readRate: Double { Self.rate(counts.read, sent) }
    public var replyRate: Double { Self.rate(counts.replied, sent) }

    public typealias HourCount = CampaignFigures.HourCount
    public typealias VariantRates = CampaignFigures.VariantRates
    public typealias ReasonCount = CampaignFigures.ReasonCount

    static func rate(_ part: Int, _ whole: Int) -> Double { CampaignFigures.rate(part, whole) }

    /// Reads everything but the per-message rows. Throws `ReportsError.unknownCampaign`.
    /// - Parameter finalState: the state the campaign is about to enter (the runner writes the
    ///   report just before it records the end state); nil shows the stored one.
    public static func load(_ snapshot: StoreSnapshot, campaign id: String, partial: Bool, now: Date = Date(),
                            finalState: CampaignRecord.State? = nil,
                            deliveryAlertHours: Int = ReportsConfiguration.defaultDeliveryAlertHours) throws -> CampaignOverview {
        guard let figures = try snapshot.campaignFigures(id) else { throw ReportsError(.unknownCampaign, campaign: id) }
        var campaign = figures.campaign
        if let finalState {
            campaign.state = finalState
            campaign.finishedAt = campaign.finishedAt ?? now
        }
        return CampaignOverview(
            campaign: campaign, counts: figures.counts, rejected: figures.rejected, partial: partial, generatedAt: now,
            firstQueued: figures.firstQueued, firstSent: figures.firstSent, lastSent: figures.lastSent,
            sendsPerHour: figures.sendsPerHour, variants: figures.variants, failureReasons: figures.failureReasons,
            rejectionReasons: figures.rejectionReasons, sampleText: figures.sampleText, abTest: figures.abTest,
            stuckAtSent: try snapshot.stuckAtSentCount(of: id, sentBefore: stuckBefore(now, hours: deliveryAlertHours)),
            deliveryAlertHours: deliveryAlertHours, sendTimes: figures.sendTimes
        )
    }

    /// A message acknowledged before this time without a delivery receipt is stuck at "sent".
    public static func stuckBefore(_ now: Date, hours: Int) -> Date { now.addingTimeInterval(-Double(hours) * 3600) }

    /// Reads a campaign's overview in one snapshot of its own.
    public static func load(from database: SiaranDatabase, campaign id: String, partial: Bool, now: Date = Date()) async throws -> CampaignOverview {
        try await database.snapshot { try load($0, campaign: id, partial: partial, now: now) }
    }
}
