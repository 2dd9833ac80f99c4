public import Foundation
public import Store

/// `report.csv`: one row per message (contact), RFC 4180 with CRLF line ends, optionally
/// starting with a UTF-8 byte-order mark so Excel opens Indonesian names right. Rows come
/// straight from a database cursor into a 1 MiB write buffer.
public enum CampaignCSVReport {
    public static let columns = ["phone", "name", "variant", "status", "reason", "session", "message_id",
                                 "queued_at", "sent_at", "delivered_at", "read_at", "replied_at"]

    /// Writes the file atomically and returns how many rows it holds.
    @discardableResult
    public static func write(_ snapshot: StoreSnapshot, campaign: String, to path: String, byteOrderMark: Bool, timeZone: TimeZone) throws -> Int {
        let output = try AtomicFileOutput(path: path, campaign: campaign)
        if byteOrderMark { try output.write(bytes: [0xEF, 0xBB, 0xBF]) }
        try output.write(columns.joined(separator: ",") + "\r\n")
        var dates = LocalTimeFormatter(timeZone: timeZone)
        func time(_ date: Date?) -> String { date.map { dates.iso8601($0) } ?? "" }
        var count = 0
        try snapshot.forEachMessage(of: campaign) { row in
            let fields = [
                row.phone, row.name, row.variant, row.status, row.reason, row.session, row.messageID,
                time(row.queuedAt), time(row.sentAt), time(row.deliveredAt), time(row.readAt), time(row.repliedAt),
            ]
            var line = ""
            for (index, field) in fields.enumerated() {
                if index > 0 { line += "," }
                line += quote(field)
            }
            line += "\r\n"
            try output.write(line)
            count += 1
        }
        try output.commit()
        return count
    }

    /// RFC 4180: quote fields holding commas, quotes or line breaks; double inner quotes. A leading
    /// `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets never run a field as a formula.
    public static func quote(_ field: String) -> String {
        var value = field
        if let first = value.utf8.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "@") {
            value = "'" + value
        }
        guard value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
