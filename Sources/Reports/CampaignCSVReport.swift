public import Foundation
import GRDB
public import Store

/// `report.csv` (one row per contact, RFC 4180) and `summary.json` for a campaign, read straight
/// from the database row by row so large campaigns are never held in memory twice.
/// The PDF and Excel reports (issue 7) build on the same queries.
public struct CampaignCSVReport: Sendable {
    public static let columns = ["phone", "name", "variant", "status", "reason", "session", "message_id",
                                 "queued_at", "sent_at", "delivered_at", "read_at", "replied_at"]

    public let database: SiaranDatabase
    public let configuration: ReportsConfiguration

    public init(database: SiaranDatabase, configuration: ReportsConfiguration) {
        self.database = database
        self.configuration = configuration
    }

    /// Writes report.csv and summary.json into `folder`; `partial` marks a cancelled campaign.
    public func write(campaign: String, to folder: String, partial: Bool) async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let csvPath = (folder as NSString).appendingPathComponent("report.csv")
        let temporary = csvPath + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temporary) else { throw CocoaError(.fileWriteNoPermission) }
        let bom = configuration.csvByteOrderMark
        let zone = TimeZone(identifier: configuration.timeZone) ?? .current
        try await database.read { db in
            var buffer = Data()
            if bom { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
            buffer.append(Data((Self.columns.joined(separator: ",") + "\r\n").utf8))
            let iso = ISO8601DateFormatter()
            iso.timeZone = zone
            iso.formatOptions = [.withInternetDateTime]
            func time(_ date: Date?) -> String { date.map { iso.string(from: $0) } ?? "" }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT m.phone, c.variables, m.variant, m.state, m.reason, m.session, m.id, m.queuedAt, m.sentAt,
                       m.deliveredAt, m.readAt, m.repliedAt
                FROM messages m JOIN contacts c ON c.id = m.contactId WHERE m.campaignId = ? ORDER BY c.line
                """, arguments: [campaign])
            while let row = try rows.next() {
                let variables = (row[1] as String?).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
                let fields: [String] = [
                    row[0], variables["name"] ?? variables["nama"] ?? "", row[2] ?? "", row[3], row[4] ?? "", row[5] ?? "", row[6],
                    time(row[7]), time(row[8]), time(row[9]), time(row[10]), time(row[11]),
                ]
                buffer.append(Data((fields.map(Self.quote).joined(separator: ",") + "\r\n").utf8))
                if buffer.count > 1 << 20 { handle.write(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            handle.write(buffer)
        }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, csvPath) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: csvPath]) }

        let counts = try await database.messageCounts(of: campaign)
        let rejected = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejectedContacts WHERE campaignId = ?", arguments: [campaign]) ?? 0
        }
        let sent = counts.sent + counts.delivered + counts.read
        func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : (Double(part) / Double(whole) * 1000).rounded() / 1000 }
        let summary: [String: Any] = [
            "campaign": campaign, "partial": partial, "total": counts.total, "rejected": rejected,
            "sent": sent, "delivered": counts.delivered + counts.read, "read": counts.read, "replied": counts.replied,
            "failed": counts.failed, "pending": counts.pending + counts.sending + counts.retrying,
            "delivery_rate": rate(counts.delivered + counts.read, sent), "read_rate": rate(counts.read, sent),
            "reply_rate": rate(counts.replied, sent), "generated_at": ISO8601DateFormatter().string(from: Date()),
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("summary.json")), options: .atomic)
    }

    /// RFC 4180: quote fields holding commas, quotes or line breaks; double inner quotes. A leading
    /// `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets never run a field as a formula.
    static func quote(_ field: String) -> String {
        var value = field
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
