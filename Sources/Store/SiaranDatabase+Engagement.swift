public import Foundation

/// Warm and cold contacts: a contact is warm when they wrote to us (any reply) since a time
/// (`sending.warm_days` ago), cold otherwise. Cold contacts have their own daily cap per session,
/// because reaching people who never wrote to the number is what gets numbers restricted.
extension SiaranDatabase {
    /// Phones that wrote to us since `since`.
    public func warmPhones(since: Date) async throws -> Set<String> {
        try await read { db in
            Set(try db.query("SELECT DISTINCT phone FROM replies WHERE receivedAt >= ?", since).map { try $0.string(at: 0) })
        }
    }

    /// Phones that wrote to one session (linked number) since `since`: a number WhatsApp restricted
    /// from new chats may still write to them.
    public func warmPhones(session: String, since: Date) async throws -> Set<String> {
        try await read { db in
            Set(try db.query("SELECT DISTINCT phone FROM replies WHERE session = ? AND receivedAt >= ?", session, since).map { try $0.string(at: 0) })
        }
    }

    /// How many of a campaign's messages still to send go to warm and to cold contacts.
    public func warmColdCounts(of campaign: String, warmSince: Date) async throws -> (warm: Int, cold: Int) {
        try await read { db in
            let row = try db.queryOne("""
                SELECT SUM(CASE WHEN EXISTS (SELECT 1 FROM replies r WHERE r.phone = m.phone AND r.receivedAt >= ?) THEN 1 ELSE 0 END), COUNT(*)
                FROM messages m WHERE m.campaignId = ? AND m.state IN ('pending', 'retrying', 'sending')
                """, warmSince, campaign)
            let total = try row?.int(at: 1) ?? 0
            let warm = row?.optionalInt(at: 0) ?? 0
            return (warm, total - warm)
        }
    }

    /// Messages a session sent since `since` to contacts who had not written to us since `warmSince`
    /// (the cold daily cap counts these).
    public func coldSentCount(session: String, since: Date, warmSince: Date) async throws -> Int {
        try await read { db in
            try db.scalarInt("""
                SELECT COUNT(*) FROM messages m WHERE m.session = ? AND m.sentAt >= ?
                AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.phone = m.phone AND r.receivedAt >= ?)
                """, session, since, warmSince)
        }
    }

    /// Messages of other open campaigns that go out before this one (higher priority, or the same
    /// priority and created earlier), still to send: the plan puts them first.
    public func pendingMessagesAhead(of campaign: String) async throws -> Int {
        try await read { db in
            try db.scalarInt("""
                SELECT COUNT(*) FROM messages m JOIN campaigns c ON c.id = m.campaignId, campaigns me
                WHERE me.id = ? AND c.id <> me.id AND c.state IN ('queued', 'scheduled', 'sending')
                AND (c.priority > me.priority OR (c.priority = me.priority AND c.createdAt < me.createdAt))
                AND m.state IN ('pending', 'retrying', 'sending')
                """, campaign)
        }
    }
}
