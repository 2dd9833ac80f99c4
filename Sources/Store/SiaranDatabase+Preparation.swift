public import Foundation

/// A number accepted from a contact list, ready to store.
public struct NewContact: Sendable {
    public var phone: String
    public var line: Int
    /// The row's other columns as a JSON object (`{"name": "Budi"}`), nil when there are none.
    public var variablesJSON: String?

    public init(phone: String, line: Int, variablesJSON: String?) {
        self.phone = phone
        self.line = line
        self.variablesJSON = variablesJSON
    }
}

/// A refused input row, with the reason code staff see in rejected.csv.
public struct NewRejection: Sendable {
    public var line: Int
    public var input: String
    public var reason: String

    public init(line: Int, input: String, reason: String) {
        self.line = line
        self.input = input
        self.reason = reason
    }
}

/// A stored contact, as the render stage reads it back.
public struct StoredContact: Sendable {
    public var id: Int64
    public var phone: String
    public var variablesJSON: String?
}

/// A rendered message with the id it will keep through every attempt.
public struct NewMessage: Sendable {
    public var id: String
    public var contactId: Int64
    public var phone: String
    public var variant: String?
    public var text: String

    public init(id: String, contactId: Int64, phone: String, variant: String?, text: String) {
        self.id = id
        self.contactId = contactId
        self.phone = phone
        self.variant = variant
        self.text = text
    }
}

/// The stages before sending. Each writes its output and its checkpoint in one transaction.
extension SiaranDatabase {
    /// The validate and dedupe stages: accepted contacts and refused rows, with both checkpoints.
    public func recordContacts(campaign: String, accepted: [NewContact], rejected: [NewRejection], summary: String) async throws {
        try await write { db in
            // Another worker running the same campaign got there first (writes take turns, so the
            // check and the insert cannot interleave with its): its contacts stand.
            guard try !Self.isStageDone(.validate, campaign: campaign, in: db) else { return }
            // In line order, so the ids are too: the sender goes by id (`nextPendingSQL`).
            try db.insertRows(into: "contacts", columns: ["campaignId", "phone", "line", "variables"], rows: accepted.sorted { $0.line < $1.line }.map {
                [.text(campaign), .text($0.phone), $0.line.sqlValue, $0.variablesJSON.sqlValue]
            })
            try db.insertRows(into: "rejectedContacts", columns: ["campaignId", "line", "input", "reason"], rows: rejected.map {
                [.text(campaign), $0.line.sqlValue, .text($0.input), .text($0.reason)]
            })
            try Self.markStage(.validate, campaign: campaign, detail: summary, in: db)
            try Self.markStage(.dedupe, campaign: campaign, in: db)
        }
    }

    /// A campaign's contacts in list order, for rendering.
    public func contacts(of campaign: String) async throws -> [StoredContact] {
        try await read { db in
            try db.query("SELECT id, phone, variables FROM contacts WHERE campaignId = ? ORDER BY line", campaign).map {
                StoredContact(id: try $0.int64("id"), phone: try $0.string("phone"), variablesJSON: $0.optionalString("variables"))
            }
        }
    }

    /// The render stage: every contact's message, pending, with the variant it got; and the checkpoint.
    public func recordRenderedMessages(campaign: String, messages: [NewMessage], queuedAt: Date) async throws {
        try await write { db in
            // Rendered by another worker already: its messages (and their ids) stand, never a second set.
            guard try !Self.isStageDone(.render, campaign: campaign, in: db) else { return }
            try Self.insertMessages(messages, campaign: campaign, queuedAt: queuedAt, in: db)
            try Self.markStage(.render, campaign: campaign, detail: "\(messages.count) messages", in: db)
        }
    }

    /// Pending messages with the variant each contact got (the render stage, and the rest of a
    /// test-then-winner campaign).
    static func insertMessages(_ messages: [NewMessage], campaign: String, queuedAt: Date, in db: any SQLConnection) throws {
            try db.insertRows(into: "messages", columns: ["id", "campaignId", "contactId", "phone", "variant", "text", "state", "queuedAt"],
                              rows: messages.map {
                                  [.text($0.id), .text(campaign), .integer($0.contactId), .text($0.phone), $0.variant.sqlValue, .text($0.text),
                                   .text("pending"), .date(queuedAt)]
                              })
            // Each contact's variant: one statement per variant and chunk of contacts.
            var contactsByVariant: [String: [Int64]] = [:]
            for message in messages { if let variant = message.variant { contactsByVariant[variant, default: []].append(message.contactId) } }
            for (variant, ids) in contactsByVariant.sorted(by: { $0.key < $1.key }) {
                for chunk in ids.chunked(into: Self.rowsPerStatement) {
                    try db.execute("UPDATE contacts SET variant = ? WHERE id IN (\(db.placeholders(chunk.count)))",
                                   [.text(variant)] + chunk.map { SQLValue.integer($0) })
                }
            }
    }

    /// The media stage: the prepared picture's hash on every message (nil: no picture), and the checkpoint.
    public func recordMedia(campaign: String, sha256: String?) async throws {
        try await write { db in
            if let sha256 { try db.execute("UPDATE messages SET mediaSHA256 = ? WHERE campaignId = ?", sha256, campaign) }
            try Self.markStage(.media, campaign: campaign, detail: sha256, in: db)
        }
    }

    /// The first messages of a campaign in contact-list order, as they will be sent.
    public func sampleMessages(of campaign: String, limit: Int) async throws -> [(phone: String, variant: String?, text: String)] {
        try await read { db in
            try db.query("""
                SELECT m.phone, m.variant, m.text FROM messages m JOIN contacts c ON c.id = m.contactId
                WHERE m.campaignId = ? ORDER BY c.line, c.id LIMIT ?
                """, campaign, limit).map { (try $0.string("phone"), $0.optionalString("variant"), try $0.string("text")) }
        }
    }
}
