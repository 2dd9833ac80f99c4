public import Foundation
public import GRDB

/// Something that happened which outside systems (a CRM, through webhooks) want to hear about.
/// Recorded in the same transaction as the change itself, so none is lost or invented by a crash.
public struct DomainEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case campaignStarted = "campaign.started"
        case campaignFinished = "campaign.finished"
        case messageReplied = "message.replied"
        case contactOptedOut = "contact.opted_out"
        case sessionStopped = "session.stopped"
    }

    /// Increasing: consumers remember the last one they handled.
    public var id: Int64
    public var at: Date
    public var kind: Kind
    /// The event's fields as a JSON object.
    public var payload: Data
}

extension SiaranDatabase {
    /// v4: the event log webhooks read (`domainEvents`), and how far each endpoint got.
    static func createDomainEventsSchema(_ db: Database) throws {
        try db.create(table: "domainEvents") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull().indexed()
            t.column("kind", .text).notNull()
            t.column("payload", .blob).notNull()
        }
        try db.create(table: "webhookCursors") { t in
            t.primaryKey("endpoint", .text)
            t.column("lastEventId", .integer).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
    }

    /// Appends an event inside the caller's transaction.
    static func recordEvent(_ kind: DomainEvent.Kind, _ fields: [String: Any], in db: Database, at date: Date = Date()) throws {
        let payload = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        try db.execute(sql: "INSERT INTO domainEvents (at, kind, payload) VALUES (?, ?, ?)", arguments: [date, kind.rawValue, payload])
    }

    /// Events after `id`, oldest first, of the given kinds (all when empty).
    public func events(after id: Int64, kinds: Set<DomainEvent.Kind> = [], limit: Int = 100) async throws -> [DomainEvent] {
        try await read { db in
            let filter = kinds.isEmpty ? "" : " AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))"
            var arguments: [any DatabaseValueConvertible] = [id]
            arguments += kinds.map(\.rawValue).sorted() as [any DatabaseValueConvertible]
            arguments.append(limit)
            return try Row.fetchAll(db, sql: "SELECT id, at, kind, payload FROM domainEvents WHERE id > ?\(filter) ORDER BY id LIMIT ?",
                                    arguments: StatementArguments(arguments)).compactMap { row in
                guard let kind = DomainEvent.Kind(rawValue: row["kind"]) else { return nil }
                return DomainEvent(id: row["id"], at: row["at"], kind: kind, payload: row["payload"])
            }
        }
    }

    /// The newest event's id (0 when there is none).
    public func lastEventID() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM domainEvents") ?? 0 }
    }

    /// Forgets events older than `date` (webhook endpoints past them have had their chance).
    public func pruneEvents(before date: Date) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM domainEvents WHERE at < ?", arguments: [date]) }
    }

    /// How far `endpoint` got; nil for an endpoint never seen before.
    public func webhookCursor(_ endpoint: String) async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT lastEventId FROM webhookCursors WHERE endpoint = ?", arguments: [endpoint]) }
    }

    public func setWebhookCursor(_ endpoint: String, to id: Int64) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO webhookCursors (endpoint, lastEventId, updatedAt) VALUES (?, ?, ?)
                ON CONFLICT(endpoint) DO UPDATE SET lastEventId = excluded.lastEventId, updatedAt = excluded.updatedAt
                """, arguments: [endpoint, id, Date()])
        }
    }
}
