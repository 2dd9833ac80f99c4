public import Foundation
public import Store

/// `stuck-at-sent.csv`: the campaign's messages the WhatsApp server acknowledged more than
/// `reports.delivery_alert_hours` ago that have had no delivery receipt since, oldest first.
/// Written with report.csv (only the header when there are none) and rewritten as the daemon
/// finds messages passing the alert age.
public enum CampaignStuckReport {
    public static let fileName = "stuck-at-sent.csv"
    public static let columns = ["phone", "name", "session", "message_id", "sent_at", "hours_waiting"]

    /// Writes the file atomically and returns how many messages it lists.
    @discardableResult
    public static func write(_ snapshot: StoreSnapshot, overview: CampaignOverview, to path: String, byteOrderMark: Bool, timeZone: TimeZone) throws -> Int {
        let campaign = overview.campaign.id
        let output = try AtomicFileOutput(path: path, campaign: campaign)
        if byteOrderMark { try output.write(bytes: [0xEF, 0xBB, 0xBF]) }
        try output.write(columns.joined(separator: ",") + "\r\n")
        var dates = LocalTimeFormatter(timeZone: timeZone)
        var count = 0
        let now = overview.generatedAt
        try snapshot.forEachStuckAtSent(of: campaign, sentBefore: overview.stuckBefore) { row in
            let hours = Int(now.timeIntervalSince(row.sentAt) / 3600)
            let fields = [row.phone, row.name, row.session, row.messageID, dates.iso8601(row.sentAt), String(hours)]
            try output.write(fields.map(CampaignCSVReport.quote).joined(separator: ",") + "\r\n")
            count += 1
        }
        try output.commit()
        return count
    }
}

extension CampaignOverview {
    /// Messages acknowledged before this time and still at "sent" are stuck.
    public var stuckBefore: Date { Self.stuckBefore(generatedAt, hours: deliveryAlertHours) }
}
