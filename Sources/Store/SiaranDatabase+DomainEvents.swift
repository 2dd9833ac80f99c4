public import Foundation

/// Something that happened which outside systems (a CRM, through webhooks) want to hear about.
/// Recorded in the same transaction as the change itself, so none is lost or invented by a crash.
public struct DomainEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case campaignStarted = "campaign.started"
        case campaignFinished = "campaign.finished"
        case messageReplied = "message.replied"
        /// Every incoming text, from campaign contacts and from anyone else.
        case messageReceived = "message.received"
        /// Staff or the auto-reply bot answered a conversation (sent).
        case messageAnswered = "message.answered"
        case contactOptedOut = "contact.opted_out"
        case sessionStopped = "session.stopped"
        /// WhatsApp restricted a number from starting new chats (or moved the restriction's end).
        case sessionRestricted = "session.restricted"
    }

    /// Increasing: consumers remember the last one they handled.
    public var id: Int64
    public var at: Date
    public var kind: Kind
    /// The event's fields as a JSON object.
    public var payload: Data
}

extension SiaranDatabase {
    /// Appends an event inside the caller's transaction.
    static func recordEvent(_ kind: DomainEvent.Kind, _ fields: [String: Any], in db: any SQLConnection, at date: Date = Date()) throws {
        let payload = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        try db.execute("INSERT INTO domainEvents (at, kind, payload) VALUES (?, ?, ?)", date, kind.rawValue, payload)
    }

    /// Events after `id`, oldest first, of the given kinds (all when empty).
    public func events(after id: Int64, kinds: Set<DomainEvent.Kind> = [], limit: Int = 100) async throws -> [DomainEvent] {
        try await read { db in
            let names = kinds.map(\.rawValue).sorted()
            let filter = names.isEmpty ? "" : " AND kind IN (\(db.placeholders(names.count)))"
            let arguments: [SQLValue] = [.integer(id)] + names.map(SQLValue.text) + [.integer(Int64(limit))]
            return try db.query("SELECT id, at, kind, payload FROM domainEvents WHERE id > ?\(filter) ORDER BY id LIMIT ?", arguments).compactMap { row in
                guard let kind = DomainEvent.Kind(rawValue: try row.string("kind")) else { return nil }
                return DomainEvent(id: try row.int64("id"), at: try row.date("at"), kind: kind, payload: try row.data("payload"))
            }
        }
    }

    /// The newest event's id (0 when there is none).
    public func lastEventID() async throws -> Int64 {
        try await read { db in try db.scalar("SELECT MAX(id) FROM domainEvents").integerValue ?? 0 }
    }

    /// Forgets events older than `date` (webhook endpoints past them have had their chance).
    public func pruneEvents(before date: Date) async throws {
        try await write { db in try db.execute("DELETE FROM domainEvents WHERE at < ?", date) }
    }

    /// How far `endpoint` got; nil for an endpoint never seen before.
    public func webhookCursor(_ endpoint: String) async throws -> Int64? {
        try await read { db in try db.scalar("SELECT lastEventId FROM webhookCursors WHERE endpoint = ?", endpoint).integerValue }
    }

    public func setWebhookCursor(_ endpoint: String, to id: Int64) async throws {
        try await write { db in
            try db.execute("""
                INSERT INTO webhookCursors (endpoint, lastEventId, updatedAt) VALUES (?, ?, ?)
                ON CONFLICT (endpoint) DO UPDATE SET lastEventId = excluded.lastEventId, updatedAt = excluded.updatedAt
                """, endpoint, id, Date())
        }
    }
}
