public import Foundation
public import Store

/// `replies.csv`: every text a campaign's contacts sent back, oldest first, with the variant they
/// got and whether staff or the auto-reply bot answered it. Rewritten with the other reports as
/// replies and answers arrive. Texts from numbers the campaign never wrote to are not here (they
/// are in the inbox, not in a campaign's figures).
public enum CampaignRepliesReport {
    public static let fileName = "replies.csv"
    public static let columns = ["phone", "name", "received_at", "variant", "text", "answered"]

    /// Writes the file atomically and returns how many replies it holds.
    @discardableResult
    public static func write(_ snapshot: StoreSnapshot, campaign: String, to path: String, byteOrderMark: Bool, timeZone: TimeZone) throws -> Int {
        let output = try AtomicFileOutput(path: path, campaign: campaign)
        if byteOrderMark { try output.write(bytes: [0xEF, 0xBB, 0xBF]) }
        try output.write(columns.joined(separator: ",") + "\r\n")
        var dates = LocalTimeFormatter(timeZone: timeZone)
        var count = 0
        try snapshot.forEachReply(of: campaign) { row in
            let fields = [row.phone, row.name, dates.iso8601(row.receivedAt), row.variant, row.text, row.answered ? "yes" : "no"]
            try output.write(fields.map(CampaignCSVReport.quote).joined(separator: ",") + "\r\n")
            count += 1
        }
        try output.commit()
        return count
    }
}
