import Foundation
import Store

/// A campaign as the API and pages show it: its state and message counts.
struct CampaignSummary: Codable, Sendable, Equatable {
    struct Counts: Codable, Sendable, Equatable {
        var total = 0, pending = 0, sent = 0, delivered = 0, read = 0, replied = 0, failed = 0
        /// Sent, delivered or read: the messages that left, as a share of all (0–100).
        var progress: Int { total == 0 ? 0 : Int((Double(sent + failed) / Double(total) * 100).rounded(.down)) }
    }

    var id: String
    var name: String
    var state: String
    var priority: Int
    var createdAt: Date
    var sendAt: Date?
    var startedAt: Date?
    var finishedAt: Date?
    var failureReason: String?
    var counts: Counts
    var progress: Int

    init(_ record: CampaignRecord, counts raw: MessageCounts) {
        id = record.id
        name = record.name
        state = record.state.rawValue
        priority = record.priority
        createdAt = record.createdAt
        sendAt = record.sendAt
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        failureReason = record.failureReason
        counts = Counts(total: raw.total, pending: raw.pending + raw.sending + raw.retrying,
                        sent: raw.sent + raw.delivered + raw.read, delivered: raw.delivered + raw.read,
                        read: raw.read, replied: raw.replied, failed: raw.failed)
        progress = counts.progress
    }
}

/// One recent message of a campaign, the phone partly hidden.
struct MessageSummary: Codable, Sendable {
    var id: String, phone: String, state: String, session: String?, reason: String?, at: Date?

    static func mask(_ phone: String) -> String {
        guard phone.count > 6 else { return phone }
        return String(phone.prefix(4)) + String(repeating: "•", count: phone.count - 7) + String(phone.suffix(3))
    }
}

extension SiaranDatabase {
    /// The newest campaigns with their counts, read in one transaction from the tallies the
    /// database keeps (so the cost does not grow with the messages ever sent).
    func campaignSummaries(limit: Int = 500) async throws -> [CampaignSummary] {
        try await campaignsWithCounts(limit: limit).map { CampaignSummary($0.campaign, counts: $0.counts) }
    }

    func campaignSummary(_ id: String) async throws -> CampaignSummary? {
        guard let record = try await campaign(id) else { return nil }
        return CampaignSummary(record, counts: try await messageCounts(of: id))
    }

    /// The messages that moved last (newest step first), the phones partly hidden.
    func recentMessageSummaries(of campaign: String, limit: Int) async throws -> [MessageSummary] {
        try await recentMessages(of: campaign, limit: limit).map {
            MessageSummary(id: $0.id, phone: MessageSummary.mask($0.phone), state: $0.state, session: $0.session, reason: $0.reason, at: $0.at)
        }
    }
}
