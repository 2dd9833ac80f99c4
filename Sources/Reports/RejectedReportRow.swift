public import GRDB

/// One refused input row (the Rejected sheet and the PDF's refusal counts).
public struct RejectedReportRow: Sendable, Equatable {
    public var line: Int
    public var input: String
    public var reason: String

    /// Refused rows in file order, read from a cursor.
    public static func forEach(in db: Database, campaign: String, _ body: (RejectedReportRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT line, input, reason FROM rejectedContacts WHERE campaignId = ? ORDER BY line, id",
                                         arguments: [campaign])
        while let row = try cursor.next() {
            try body(RejectedReportRow(line: row[0], input: row[1], reason: row[2]))
        }
    }
}
