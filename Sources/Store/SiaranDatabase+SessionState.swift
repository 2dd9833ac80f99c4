public import Foundation
import GRDB

/// One change to a WhatsApp session's stored state: `value` nil deletes the record.
public struct SessionStateWrite: Sendable, Equatable {
    public var kind: String
    public var key: String
    public var value: Data?

    public init(kind: String, key: String, value: Data?) {
        self.kind = kind
        self.key = key
        self.value = value
    }

    struct RecordKey: Hashable {
        var kind: String
        var key: String
    }
}

/// A WhatsApp session's whole state — credentials, Signal keys and sessions, the contact
/// directory, sent messages, reach-out limits — as records keyed by session, kind and key, so
/// every worker of a cluster on PostgreSQL sees the same state. The WhatsApp module decides the
/// kinds and encodes the values; this module only keeps them.
///
/// Every write is one transaction, committed before the method returns.
extension SiaranDatabase {
    /// v18 on SQLite and PostgreSQL.
    static let sessionStateSchema = """
        CREATE TABLE sessionState (
          session text NOT NULL,
          kind text NOT NULL,
          key text NOT NULL,
          value %BLOB% NOT NULL,
          updatedAt %TIMESTAMP% NOT NULL,
          PRIMARY KEY (session, kind, key)
        );
        """

    static func createSessionStateSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: sessionStateSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "DATETIME").replacingOccurrences(of: "%BLOB%", with: "BLOB"))
    }

    static var sessionStatePostgresSchema: String {
        sessionStateSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "timestamptz").replacingOccurrences(of: "%BLOB%", with: "bytea")
    }

    /// One record's value, or nil.
    public func sessionStateValue(session: String, kind: String, key: String) async throws -> Data? {
        try await read { db in
            try db.queryOne("SELECT value FROM sessionState WHERE session = ? AND kind = ? AND key = ?", session, kind, key)?.data("value")
        }
    }

    /// The keys of `session`'s records of `kind`.
    public func sessionStateKeys(session: String, kind: String) async throws -> Set<String> {
        try await read { db in
            var keys = Set<String>()
            try db.forEachRow("SELECT key FROM sessionState WHERE session = ? AND kind = ?", [.text(session), .text(kind)]) { row in
                keys.insert(try row.string("key"))
            }
            return keys
        }
    }

    /// Every record of `kinds` for `session`, ordered by kind and key.
    public func sessionStateRecords(session: String, kinds: [String]) async throws -> [SessionStateWrite] {
        guard !kinds.isEmpty else { return [] }
        return try await read { db in
            var records: [SessionStateWrite] = []
            try db.forEachRow("SELECT kind, key, value FROM sessionState WHERE session = ? AND kind IN (\(db.placeholders(kinds.count))) ORDER BY kind, key",
                              [.text(session)] + kinds.map { .text($0) }) { row in
                records.append(SessionStateWrite(kind: try row.string("kind"), key: try row.string("key"), value: try row.data("value")))
            }
            return records
        }
    }

    /// Applies `writes` in one transaction (a prekey batch commits together or not at all).
    /// With a `fence`, the transaction first checks that the worker still holds the session's
    /// lease under that fencing counter, and throws `StoreError(.staleLease)` without writing
    /// anything when it does not.
    ///
    /// Sends of the calling task's loop riding along (`SendsRidingAlong.current`) are recorded as
    /// sent in the same transaction.
    public func writeSessionState(session: String, _ writes: [SessionStateWrite], fence: LeaseFence? = nil, at now: Date = Date()) async throws {
        guard !writes.isEmpty else { return }
        // Read here: the transaction may run on another task, which does not see the task-local.
        let riding = SendsRidingAlong.current
        let sends = riding?.unrecorded ?? []
        try await writeEvenIfCancelled { db in
            if let fence, try !Self.holdsSessionLease(session, worker: fence.worker, fencing: fence.fencing, at: now, in: db) {
                throw StoreError(.staleLease, detail: "worker \(fence.worker) no longer holds session \(session) (fencing \(fence.fencing)); "
                                 + "its state was not written, so the worker that took the session over keeps it intact")
            }
            try Self.recordSent(sends, db)
            let latest = Self.lastWritePerRecord(writes)
            // One statement per 100 stored records rather than one per record: on PostgreSQL each
            // statement is a round trip, and a send's batch holds about ten records.
            let stored = latest.compactMap { write in write.value.map { (write, $0) } }
            for start in stride(from: 0, to: stored.count, by: 100) {
                let part = stored[start..<min(start + 100, stored.count)]
                _ = try db.execute("""
                    INSERT INTO sessionState (session, kind, key, value, updatedAt) VALUES \(Array(repeating: "(?, ?, ?, ?, ?)", count: part.count).joined(separator: ", "))
                    ON CONFLICT (session, kind, key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                    """, part.flatMap { write, value in [SQLValue.text(session), .text(write.kind), .text(write.key), .blob(value), now.sqlValue] })
            }
            for write in latest where write.value == nil {
                _ = try db.execute("DELETE FROM sessionState WHERE session = ? AND kind = ? AND key = ?", session, write.kind, write.key)
            }
        }
        if !sends.isEmpty { riding?.markRecorded() }
    }

    /// The last of `writes` for each record, in the order the records were first written (one
    /// upsert statement may not touch a row twice).
    static func lastWritePerRecord(_ writes: [SessionStateWrite]) -> [SessionStateWrite] {
        var latest: [SessionStateWrite] = []
        var index: [SessionStateWrite.RecordKey: Int] = [:]
        for write in writes {
            let key = SessionStateWrite.RecordKey(kind: write.kind, key: write.key)
            if let at = index[key] { latest[at] = write } else {
                index[key] = latest.count
                latest.append(write)
            }
        }
        return latest
    }

    /// Stores `value` unless the record exists, and returns the record as stored: two workers
    /// making a session's identity at the same moment end up with the same one.
    public func insertSessionStateIfAbsent(session: String, kind: String, key: String, value: Data, at now: Date = Date()) async throws -> Data {
        try await writeEvenIfCancelled { db in
            _ = try db.execute("""
                INSERT INTO sessionState (session, kind, key, value, updatedAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (session, kind, key) DO NOTHING
                """, session, kind, key, value, now)
            return try db.queryOne("SELECT value FROM sessionState WHERE session = ? AND kind = ? AND key = ?", session, kind, key)?.data("value") ?? value
        }
    }

    /// Deletes the records of `kind` last written before `date` (sent messages past their lifetime).
    public func pruneSessionState(session: String, kind: String, before date: Date) async throws {
        try await write { db in
            _ = try db.execute("DELETE FROM sessionState WHERE session = ? AND kind = ? AND updatedAt < ?", session, kind, date)
        }
    }

    /// Deletes everything `session` stored (a logout, `siaran sessions remove`).
    public func removeSessionState(session: String) async throws {
        try await write { db in
            _ = try db.execute("DELETE FROM sessionState WHERE session = ?", session)
        }
    }

    /// Names of the sessions with a record of `kind` (those with credentials), sorted.
    public func sessionStateNames(kind: String) async throws -> [String] {
        try await read { db in
            try db.query("SELECT DISTINCT session FROM sessionState WHERE kind = ? ORDER BY session", kind).map { try $0.string("session") }
        }
    }
}
