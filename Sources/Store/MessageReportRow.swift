public import Foundation

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

    public init(line: Int, phone: String, name: String, variant: String, status: String, reason: String, session: String, messageID: String,
                queuedAt: Date?, sentAt: Date?, deliveredAt: Date?, readAt: Date?, repliedAt: Date?) {
        self.line = line
        self.phone = phone
        self.name = name
        self.variant = variant
        self.status = status
        self.reason = reason
        self.session = session
        self.messageID = messageID
        self.queuedAt = queuedAt
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
        self.readAt = readAt
        self.repliedAt = repliedAt
    }
}
