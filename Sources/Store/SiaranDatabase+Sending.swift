public import Foundation

/// The send loop's queries. Every message's id is chosen before its first attempt; a message is
/// marked `sending` in a commit before its network write, so a crash re-sends it with that id.
extension SiaranDatabase {
    /// Arguments: campaign, now, limit. The states are one `IN` term so the planner reads only
    /// unsent messages by (campaign, state); written as an OR it read the whole campaign through
    /// the (campaign, contact) key on every batch. `QueryPlanTests` keeps it so.
    static let nextMessagesSQL = """
        SELECT messages.* FROM messages JOIN contacts ON contacts.id = messages.contactId
        WHERE messages.campaignId = ? AND messages.state IN ('sending', 'pending', 'retrying')
          AND (messages.state != 'retrying' OR messages.nextAttemptAt <= ?)
        ORDER BY CASE messages.state WHEN 'sending' THEN 0 WHEN 'retrying' THEN 1 ELSE 2 END, contacts.line
        LIMIT ?
        """

    /// The next messages to send: first any left `sending` by a crash (same id again), then
    /// retries that are due, then pending ones in contact order.
    public func nextMessages(of campaign: String, now: Date, limit: Int) async throws -> [MessageRecord] {
        try await read { db in
            try db.query(Self.nextMessagesSQL, campaign, now, limit).map(MessageRecord.init(row:))
        }
    }

    /// The earliest time a retrying message becomes due, if any.
    public func nextRetry(of campaign: String) async throws -> Date? {
        try await read { db in
            try db.scalar("SELECT MIN(nextAttemptAt) FROM messages WHERE campaignId = ? AND state = 'retrying'", campaign).dateValue
        }
    }

    static let markSendingSQL = "UPDATE messages SET state = 'sending', session = ?, attempts = attempts + 1 WHERE id = ?"

    /// Committed before the network write, so a crash after it re-sends with the same id.
    public func markSending(_ id: String, session: String) async throws {
        try await write { db in try db.execute(Self.markSendingSQL, session, id) }
    }

    /// Receipts often arrive before the sender records the send (it does so with the next
    /// message), so a delivered or read message still gets its send time; only the state of a
    /// message not yet past `sent` moves to `sent`.
    static let markSentSQL = """
        UPDATE messages SET sentAt = COALESCE(sentAt, ?),
            reason = CASE WHEN state IN ('sending', 'retrying', 'pending') THEN NULL ELSE reason END,
            state = CASE WHEN state IN ('sending', 'retrying', 'pending') THEN 'sent' ELSE state END
        WHERE id = ? AND state IN ('sending', 'retrying', 'pending', 'delivered', 'read')
        """

    public func markSent(_ id: String, at date: Date) async throws {
        try await write { db in try db.execute(Self.markSentSQL, date, id) }
    }

    /// The same as `markSent`, and it completes even when the calling task was cancelled: used
    /// on the way out of a send loop that stops, for the message already on the wire.
    public func markSentEvenIfCancelled(_ id: String, at date: Date) async throws {
        try await writeEvenIfCancelled { db in try db.execute(Self.markSentSQL, date, id) }
    }

    /// One commit per message on the hot path: records the previous message as sent (if any)
    /// and marks the next one `sending`, before its network write. At most one message is ever
    /// sent but not yet recorded, so a crash repeats at most that one, with the same id.
    public func markSending(_ id: String, session: String, afterSent previous: (id: String, at: Date)?) async throws {
        try await write { db in
            if let previous { try db.execute(Self.markSentSQL, previous.at, previous.id) }
            try db.execute(Self.markSendingSQL, session, id)
        }
    }

    public func markFailed(_ id: String, reason: String, at date: Date = Date()) async throws {
        try await write { db in
            try db.execute("UPDATE messages SET state = 'failed', reason = ?, failedAt = ? WHERE id = ?", reason, date, id)
        }
    }

    public func markRetrying(_ id: String, reason: String, next: Date) async throws {
        try await write { db in
            try db.execute("UPDATE messages SET state = 'retrying', reason = ?, nextAttemptAt = ? WHERE id = ?", reason, next, id)
        }
    }

    /// Arguments: session, since. Asked twice before every send when caps are set; read from
    /// the `messagesBySessionSent` index (v6), not by scanning every message ever sent.
    static let sentCountSQL = "SELECT COUNT(*) FROM messages WHERE session = ? AND sentAt >= ?"

    /// Sends per session since a time, for hourly and daily caps.
    public func sentCount(session: String, since: Date) async throws -> Int {
        try await read { db in try db.scalarInt(Self.sentCountSQL, session, since) }
    }

    /// The campaign and phone of a message, for receipts (which name only the message).
    public func messageOwner(_ id: String) async throws -> (campaign: String, phone: String)? {
        try await read { db in
            try db.queryOne("SELECT campaignId, phone FROM messages WHERE id = ?", id).map { (try $0.string("campaignId"), try $0.string("phone")) }
        }
    }
}
