public import Foundation
public import GRDB

/// One message of a campaign as every report shows it (a row of report.csv, the Messages sheet
/// and the PDF table).
public struct MessageReportRow: Sendable, Equatable {
    public var line: Int
    public var phone: String
    public var name: String
    public var variant: String
    /// `pending`, `sending`, `sent`, `delivered`, `read`, `failed` or `retrying`.
    public var status: String
    public var reason: String
    public var session: String
    public var messageID: String
    public var queuedAt: Date?
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var readAt: Date?
    public var repliedAt: Date?

    /// Reads a campaign's messages in contact-list order, one row at a time from a database
    /// cursor, so no report ever holds a large campaign in memory.
    public static func forEach(in db: Database, campaign: String, _ body: (MessageReportRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT c.line, m.phone,
                   COALESCE(json_extract(c.variables, '$.name'), json_extract(c.variables, '$.nama'),
                            json_extract(c.variables, '$.Name'), json_extract(c.variables, '$.Nama'),
                            json_extract(c.variables, '$.NAME'), json_extract(c.variables, '$.NAMA'), ''),
                   COALESCE(m.variant, ''), m.state, COALESCE(m.reason, ''), COALESCE(m.session, ''), m.id,
                   \(millis("m.queuedAt")), \(millis("m.sentAt")), \(millis("m.deliveredAt")),
                   \(millis("m.readAt")), \(millis("m.repliedAt"))
            FROM messages m JOIN contacts c ON c.id = m.contactId
            WHERE m.campaignId = ? ORDER BY c.line, c.id
            """, arguments: [campaign])
        while let row = try cursor.next() {
            try body(MessageReportRow(
                line: row[0], phone: row[1], name: Self.text(row[2]), variant: row[3], status: row[4], reason: row[5],
                session: row[6], messageID: row[7], queuedAt: date(row[8]), sentAt: date(row[9]),
                deliveredAt: date(row[10]), readAt: date(row[11]), repliedAt: date(row[12])
            ))
        }
    }

    /// GRDB stores dates as UTC text; SQLite turns them into milliseconds far faster than Swift parses them.
    static func millis(_ column: String) -> String {
        "CAST(ROUND((julianday(\(column)) - 2440587.5) * 86400000.0) AS INTEGER)"
    }

    static func date(_ value: Int64?) -> Date? {
        value.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// A name variable may have been read as a number from a spreadsheet.
    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .string(let s): s
        case .int64(let i): String(i)
        case .double(let d): String(d)
        default: ""
        }
    }
}
