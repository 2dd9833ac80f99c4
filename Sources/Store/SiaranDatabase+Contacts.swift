public import Foundation

/// One number on the database's opt-out list.
public struct OptOutRecord: Sendable, Equatable, Codable {
    public var phone: String
    /// `reply` (the recipient wrote STOP), `dashboard`, `file`, …
    public var source: String
    public var detail: String?
    public var createdAt: Date?

    public init(phone: String, source: String, detail: String? = nil, createdAt: Date? = nil) {
        self.phone = phone
        self.source = source
        self.detail = detail
        self.createdAt = createdAt
    }
}

/// One message a number was sent (or is waiting for), with its campaign and any reply.
public struct PhoneMessageRecord: Sendable, Equatable, Codable {
    public var messageId: String
    public var campaignId: String
    public var campaignName: String
    public var state: String
    public var variant: String?
    public var session: String?
    public var reason: String?
    public var queuedAt: Date
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var readAt: Date?
    public var failedAt: Date?
    public var repliedAt: Date?
}

/// One message a number sent us.
public struct PhoneReplyRecord: Sendable, Equatable, Codable {
    public var campaignId: String?
    public var session: String?
    public var text: String?
    public var receivedAt: Date
    public var isOptOut: Bool
}

/// The opt-out list and one number's history.
extension SiaranDatabase {
    /// Every number that asked not to be contacted; checked before every send.
    public func optedOutPhones() async throws -> Set<String> {
        try await read { db in Set(try db.query("SELECT phone FROM optOuts").map { try $0.string(at: 0) }) }
    }

    /// Puts `phone` on the list (once) and announces it to webhooks.
    public func addOptOut(phone: String, source: String, detail: String? = nil) async throws {
        try await write { db in
            let added = try db.execute("""
                INSERT INTO optOuts (phone, source, detail, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT (phone) DO NOTHING
                """, phone, source, detail, Date())
            if added > 0 {
                var fields: [String: Any] = ["phone": phone, "source": source]
                if let detail { fields["detail"] = detail }
                try Self.recordEvent(.contactOptedOut, fields, in: db)
            }
        }
    }

    /// Every opt-out in the database, newest first.
    public func optOutRecords() async throws -> [OptOutRecord] {
        try await read { db in
            try db.query("SELECT phone, source, detail, createdAt FROM optOuts ORDER BY createdAt DESC, phone").map(Self.optOut)
        }
    }

    public func optOutRecord(phone: String) async throws -> OptOutRecord? {
        try await read { db in
            try db.queryOne("SELECT phone, source, detail, createdAt FROM optOuts WHERE phone = ?", phone).map(Self.optOut)
        }
    }

    private static func optOut(_ row: SQLRow) throws -> OptOutRecord {
        OptOutRecord(phone: try row.string("phone"), source: try row.string("source"), detail: row.optionalString("detail"),
                     createdAt: row.optionalDate("createdAt"))
    }

    /// Takes `phone` off the database's list; false when it was not on it.
    @discardableResult
    public func removeOptOut(phone: String) async throws -> Bool {
        try await write { db in try db.execute("DELETE FROM optOuts WHERE phone = ?", phone) > 0 }
    }

    /// Every message to `phone` across campaigns, newest first.
    public func messages(toPhone phone: String, limit: Int = 200) async throws -> [PhoneMessageRecord] {
        try await read { db in
            try db.query("""
                SELECT m.id, m.campaignId, c.name, m.state, m.variant, m.session, m.reason, m.queuedAt, m.sentAt, m.deliveredAt,
                       m.readAt, m.failedAt, m.repliedAt
                FROM messages m JOIN campaigns c ON c.id = m.campaignId
                WHERE m.phone = ? ORDER BY m.queuedAt DESC, m.contactId DESC LIMIT ?
                """, phone, limit).map {
                PhoneMessageRecord(messageId: try $0.string("id"), campaignId: try $0.string("campaignId"), campaignName: try $0.string("name"),
                                   state: try $0.string("state"), variant: $0.optionalString("variant"), session: $0.optionalString("session"),
                                   reason: $0.optionalString("reason"), queuedAt: try $0.date("queuedAt"), sentAt: $0.optionalDate("sentAt"),
                                   deliveredAt: $0.optionalDate("deliveredAt"), readAt: $0.optionalDate("readAt"),
                                   failedAt: $0.optionalDate("failedAt"), repliedAt: $0.optionalDate("repliedAt"))
            }
        }
    }

    /// Every message `phone` sent us, newest first.
    public func replies(fromPhone phone: String, limit: Int = 200) async throws -> [PhoneReplyRecord] {
        try await read { db in
            try db.query("""
                SELECT campaignId, session, text, receivedAt, isOptOut FROM replies WHERE phone = ? ORDER BY receivedAt DESC LIMIT ?
                """, phone, limit).map {
                PhoneReplyRecord(campaignId: $0.optionalString("campaignId"), session: $0.optionalString("session"), text: $0.optionalString("text"),
                                 receivedAt: try $0.date("receivedAt"), isOptOut: try $0.bool("isOptOut"))
            }
        }
    }
}
