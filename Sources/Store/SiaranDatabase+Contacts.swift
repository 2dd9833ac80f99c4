public import Foundation
import GRDB

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

/// Queries for the dashboard's contacts page: the opt-out list and one number's history.
extension SiaranDatabase {
    /// Every opt-out in the database, newest first.
    public func optOutRecords() async throws -> [OptOutRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT phone, source, detail, createdAt FROM optOuts ORDER BY createdAt DESC, phone").map {
                OptOutRecord(phone: $0["phone"], source: $0["source"], detail: $0["detail"], createdAt: $0["createdAt"])
            }
        }
    }

    public func optOutRecord(phone: String) async throws -> OptOutRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT phone, source, detail, createdAt FROM optOuts WHERE phone = ?", arguments: [phone]).map {
                OptOutRecord(phone: $0["phone"], source: $0["source"], detail: $0["detail"], createdAt: $0["createdAt"])
            }
        }
    }

    /// Takes `phone` off the database's list; false when it was not on it.
    @discardableResult
    public func removeOptOut(phone: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM optOuts WHERE phone = ?", arguments: [phone])
            return db.changesCount > 0
        }
    }

    /// Every message to `phone` across campaigns, newest first.
    public func messages(toPhone phone: String, limit: Int = 200) async throws -> [PhoneMessageRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.id, m.campaignId, c.name, m.state, m.variant, m.session, m.reason, m.queuedAt, m.sentAt, m.deliveredAt,
                       m.readAt, m.failedAt, m.repliedAt
                FROM messages m JOIN campaigns c ON c.id = m.campaignId
                WHERE m.phone = ? ORDER BY m.queuedAt DESC, m.rowid DESC LIMIT ?
                """, arguments: [phone, limit]).map {
                PhoneMessageRecord(messageId: $0["id"], campaignId: $0["campaignId"], campaignName: $0["name"], state: $0["state"],
                                   variant: $0["variant"], session: $0["session"], reason: $0["reason"], queuedAt: $0["queuedAt"],
                                   sentAt: $0["sentAt"], deliveredAt: $0["deliveredAt"], readAt: $0["readAt"], failedAt: $0["failedAt"],
                                   repliedAt: $0["repliedAt"])
            }
        }
    }

    /// Every message `phone` sent us, newest first.
    public func replies(fromPhone phone: String, limit: Int = 200) async throws -> [PhoneReplyRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT campaignId, session, text, receivedAt, isOptOut FROM replies WHERE phone = ? ORDER BY receivedAt DESC LIMIT ?
                """, arguments: [phone, limit]).map {
                PhoneReplyRecord(campaignId: $0["campaignId"], session: $0["session"], text: $0["text"], receivedAt: $0["receivedAt"],
                                 isOptOut: $0["isOptOut"])
            }
        }
    }
}
