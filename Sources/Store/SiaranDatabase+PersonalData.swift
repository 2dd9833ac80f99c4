public import Foundation

/// Everything Siaran holds about one number, for a subject-access request under Indonesia's
/// Personal Data Protection law (UU PDP): `siaran contacts export PHONE`.
public struct PersonalData: Sendable, Codable, Equatable {
    /// The number on a campaign's list, with the row's own values (name, city, …) as given.
    public struct ListEntry: Sendable, Codable, Equatable {
        public var campaignId: String
        public var campaignName: String
        public var line: Int
        public var variables: String?
    }

    public struct Message: Sendable, Codable, Equatable {
        public var id: String
        public var campaignId: String
        public var session: String?
        public var variant: String?
        public var text: String
        public var state: String
        public var reason: String?
        public var queuedAt: Date
        public var sentAt: Date?
        public var deliveredAt: Date?
        public var readAt: Date?
        public var repliedAt: Date?
        public var failedAt: Date?
    }

    public struct Reply: Sendable, Codable, Equatable {
        public var campaignId: String?
        public var session: String?
        public var text: String?
        public var receivedAt: Date
        public var isOptOut: Bool
    }

    public struct OptOut: Sendable, Codable, Equatable {
        public var source: String
        public var detail: String?
        public var since: Date
    }

    public var phone: String
    public var lists: [ListEntry]
    public var messages: [Message]
    public var replies: [Reply]
    /// Set when the number asked not to be messaged.
    public var optOut: OptOut?
}

extension SiaranDatabase {
    /// What the database holds about `phone` (digits with the country code, as stored).
    public func personalData(phone: String) async throws -> PersonalData {
        try await read { db in
            let lists = try db.query("""
                SELECT contacts.campaignId, campaigns.name, contacts.line, contacts.variables FROM contacts
                JOIN campaigns ON campaigns.id = contacts.campaignId WHERE contacts.phone = ? ORDER BY campaigns.createdAt, contacts.campaignId
                """, phone).map { row in
                PersonalData.ListEntry(campaignId: try row.string(at: 0), campaignName: try row.string(at: 1), line: try row.int(at: 2),
                                       variables: row.optionalString(at: 3))
            }
            let messages = try db.query("""
                SELECT id, campaignId, session, variant, text, state, reason, queuedAt, sentAt, deliveredAt, readAt, repliedAt, failedAt
                FROM messages WHERE phone = ? ORDER BY queuedAt, id
                """, phone).map { row in
                PersonalData.Message(id: try row.string("id"), campaignId: try row.string("campaignId"), session: row.optionalString("session"),
                                     variant: row.optionalString("variant"), text: try row.string("text"), state: try row.string("state"),
                                     reason: row.optionalString("reason"), queuedAt: try row.date("queuedAt"), sentAt: row.optionalDate("sentAt"),
                                     deliveredAt: row.optionalDate("deliveredAt"), readAt: row.optionalDate("readAt"),
                                     repliedAt: row.optionalDate("repliedAt"), failedAt: row.optionalDate("failedAt"))
            }
            let replies = try db.query("""
                SELECT campaignId, session, text, receivedAt, isOptOut FROM replies WHERE phone = ? ORDER BY receivedAt, id
                """, phone).map { row in
                PersonalData.Reply(campaignId: row.optionalString("campaignId"), session: row.optionalString("session"), text: row.optionalString("text"),
                                   receivedAt: try row.date("receivedAt"), isOptOut: try row.bool("isOptOut"))
            }
            let optOut = try db.queryOne("SELECT source, detail, createdAt FROM optOuts WHERE phone = ?", phone).map { row in
                PersonalData.OptOut(source: try row.string("source"), detail: row.optionalString("detail"), since: try row.date("createdAt"))
            }
            return PersonalData(phone: phone, lists: lists, messages: messages, replies: replies, optOut: optOut)
        }
    }
}
