public import Foundation

/// One linked (or once linked) WhatsApp number as the database remembers it.
public struct SessionRecord: Sendable, Equatable {
    public var name: String
    public var phone: String?
    public var state: String
    public var linkedAt: Date?
    public var lastSeenAt: Date?
    public var notice: String?
}

/// Linked WhatsApp numbers. Keys live in state/sessions/<name>/, never in these rows.
extension SiaranDatabase {
    /// When a session (linked WhatsApp number) was linked, for warm-up caps; nil if unknown.
    public func linkedAt(session: String) async throws -> Date? {
        try await read { db in try db.scalar("SELECT linkedAt FROM sessions WHERE name = ?", session).dateValue }
    }

    /// Every session the database knows, by name.
    public func sessions() async throws -> [SessionRecord] {
        try await read { db in
            try db.query("SELECT name, phone, state, linkedAt, lastSeenAt, notice FROM sessions ORDER BY name").map {
                SessionRecord(name: try $0.string("name"), phone: $0.optionalString("phone"), state: try $0.string("state"),
                              linkedAt: $0.optionalDate("linkedAt"), lastSeenAt: $0.optionalDate("lastSeenAt"), notice: $0.optionalString("notice"))
            }
        }
    }

    /// Records a linked session (the WhatsApp client does this after pairing).
    public func recordLinkedSession(_ name: String, phone: String?, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                INSERT INTO sessions (name, phone, state, linkedAt) VALUES (?, ?, 'linked', ?)
                ON CONFLICT (name) DO UPDATE SET phone = excluded.phone, state = 'linked', linkedAt = excluded.linkedAt
                """, name, phone, date)
        }
    }

    /// Records that a session stopped for good (`logged-out`, `banned`, …) with the reason staff see.
    public func recordSessionState(_ name: String, state: String, notice: String?, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                INSERT INTO sessions (name, state, notice, lastSeenAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET state = excluded.state, notice = excluded.notice, lastSeenAt = excluded.lastSeenAt
                """, name, state, notice, date)
            var fields: [String: Any] = ["session": name, "state": state]
            if let notice { fields["notice"] = notice }
            try Self.recordEvent(.sessionStopped, fields, in: db, at: date)
        }
    }

    /// Records that WhatsApp restricted a session from starting new chats until `until`, with
    /// the notice staff see and a `session.restricted` event, in one transaction. `source` says
    /// how it is known (`timelock`, `new-chat-cap`, `repeated-refusals`).
    public func recordSessionRestriction(_ name: String, until: Date, source: String, notice: String, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                INSERT INTO sessions (name, state, notice, lastSeenAt) VALUES (?, 'linked', ?, ?)
                ON CONFLICT (name) DO UPDATE SET notice = excluded.notice, lastSeenAt = excluded.lastSeenAt
                """, name, notice, date)
            try Self.recordEvent(.sessionRestricted, ["session": name, "until": ISO8601DateFormatter().string(from: until),
                                                       "source": source, "notice": notice], in: db, at: date)
        }
    }

    /// Clears the restriction notice of a session whose restriction ended, so `sessions list` and
    /// the dashboard stop showing it. Only a notice the restriction left is cleared: a stopped
    /// session's reason (logged out, banned) stays.
    public func recordSessionRestrictionLifted(_ name: String, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                UPDATE sessions SET notice = NULL, lastSeenAt = ? WHERE name = ? AND state = 'linked'
                """, date, name)
        }
    }
}
