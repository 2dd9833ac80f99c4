public import Foundation
public import GRDB

/// Queries the pipeline runs. Each stage's output and its checkpoint are written in one
/// transaction through `write(_:)` with `markStage`, so a crash never leaves half a stage.
extension SiaranDatabase {
    public func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    public func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }

    /// Records that `stage` finished, inside the caller's transaction.
    public static func markStage(_ stage: String, campaign: String, detail: String? = nil, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO campaignStages (campaignId, stage, completedAt, detail) VALUES (?, ?, ?, ?)",
            arguments: [campaign, stage, Date(), detail]
        )
    }

    public func completedStages(of campaign: String) async throws -> Set<String> {
        try await read { db in
            Set(try String.fetchAll(db, sql: "SELECT stage FROM campaignStages WHERE campaignId = ?", arguments: [campaign]))
        }
    }

    public func campaign(_ id: String) async throws -> CampaignRecord? {
        try await read { db in try CampaignRecord.fetchOne(db, key: id) }
    }

    /// Campaigns with work left, highest priority first, then oldest.
    public func openCampaigns() async throws -> [CampaignRecord] {
        try await read { db in
            try CampaignRecord.fetchAll(db, sql: """
                SELECT * FROM campaigns WHERE state NOT IN ('done', 'cancelled', 'failed')
                ORDER BY priority DESC, createdAt ASC
                """)
        }
    }

    public func allCampaigns() async throws -> [CampaignRecord] {
        try await read { db in try CampaignRecord.fetchAll(db, sql: "SELECT * FROM campaigns ORDER BY createdAt DESC") }
    }

    public func setState(_ state: CampaignRecord.State, of campaign: String, reason: String? = nil) async throws {
        try await write { db in
            let now = Date()
            let before = try Row.fetchOne(db, sql: "SELECT name, state, startedAt FROM campaigns WHERE id = ?", arguments: [campaign])
            try db.execute(sql: """
                UPDATE campaigns SET state = ?, failureReason = COALESCE(?, failureReason),
                  startedAt = CASE WHEN ? = 'sending' AND startedAt IS NULL THEN ? ELSE startedAt END,
                  finishedAt = CASE WHEN ? IN ('done', 'cancelled', 'failed') THEN ? ELSE finishedAt END
                WHERE id = ?
                """, arguments: [state.rawValue, reason, state.rawValue, now, state.rawValue, now, campaign])
            guard let before else { return }
            let name: String = before["name"]
            if state == .sending, (before["startedAt"] as Date?) == nil {
                try Self.recordEvent(.campaignStarted, ["campaign": campaign, "name": name], in: db, at: now)
            } else if [.done, .cancelled, .failed].contains(state), before["state"] as String != state.rawValue {
                let counts = try Self.messageCounts(of: campaign, in: db)
                var fields: [String: Any] = [
                    "campaign": campaign, "name": name, "state": state.rawValue,
                    "counts": ["total": counts.total, "sent": counts.sent + counts.delivered + counts.read, "delivered": counts.delivered + counts.read,
                               "read": counts.read, "replied": counts.replied, "failed": counts.failed],
                ]
                if let reason { fields["reason"] = reason }
                try Self.recordEvent(.campaignFinished, fields, in: db, at: now)
            }
        }
    }

    public func drop(withContentHash hash: String) async throws -> DropRecord? {
        try await read { db in
            try DropRecord.fetchOne(db, sql: "SELECT * FROM drops WHERE contentHash = ? AND outcome = 'accepted' ORDER BY receivedAt LIMIT 1", arguments: [hash])
        }
    }

    // MARK: - Messages

    public func messageCounts(of campaign: String) async throws -> MessageCounts {
        try await read { db in try Self.messageCounts(of: campaign, in: db) }
    }

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
            try MessageRecord.fetchAll(db, sql: Self.nextMessagesSQL, arguments: [campaign, now, limit])
        }
    }

    /// The earliest time a retrying message becomes due, if any.
    public func nextRetry(of campaign: String) async throws -> Date? {
        try await read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM messages WHERE campaignId = ? AND state = 'retrying'", arguments: [campaign])
        }
    }

    /// Committed before the network write, so a crash after it re-sends with the same id.
    public func markSending(_ id: String, session: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE messages SET state = 'sending', session = ?, attempts = attempts + 1 WHERE id = ?", arguments: [session, id])
        }
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
        try await write { db in
            try db.execute(sql: Self.markSentSQL, arguments: [date, id])
        }
    }

    public func markFailed(_ id: String, reason: String, at date: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE messages SET state = 'failed', reason = ?, failedAt = ? WHERE id = ?", arguments: [reason, date, id])
        }
    }

    public func markRetrying(_ id: String, reason: String, next: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE messages SET state = 'retrying', reason = ?, nextAttemptAt = ? WHERE id = ?", arguments: [reason, next, id])
        }
    }

    /// Arguments: session, since. Asked twice before every send when caps are set; read from
    /// the `messagesBySessionSent` index (v6), not by scanning every message ever sent.
    static let sentCountSQL = "SELECT COUNT(*) FROM messages WHERE session = ? AND sentAt >= ?"

    /// Sends per session since a time, for hourly and daily caps.
    public func sentCount(session: String, since: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: Self.sentCountSQL, arguments: [session, since]) ?? 0
        }
    }

    // MARK: - Opt-outs

    public func optedOutPhones() async throws -> Set<String> {
        try await read { db in Set(try String.fetchAll(db, sql: "SELECT phone FROM optOuts")) }
    }

    public func addOptOut(phone: String, source: String, detail: String? = nil) async throws {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO optOuts (phone, source, detail, createdAt) VALUES (?, ?, ?, ?)", arguments: [phone, source, detail, Date()])
            if db.changesCount > 0 {
                var fields: [String: Any] = ["phone": phone, "source": source]
                if let detail { fields["detail"] = detail }
                try Self.recordEvent(.contactOptedOut, fields, in: db)
            }
        }
    }
}

extension SiaranDatabase {
    /// When a session (linked WhatsApp number) was linked, for warm-up caps; nil if unknown.
    public func linkedAt(session: String) async throws -> Date? {
        try await read { db in try Date.fetchOne(db, sql: "SELECT linkedAt FROM sessions WHERE name = ?", arguments: [session]) }
    }

    /// Records a linked session (the WhatsApp client does this after pairing).
    public func recordLinkedSession(_ name: String, phone: String?, at date: Date) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO sessions (name, phone, state, linkedAt) VALUES (?, ?, 'linked', ?)
                ON CONFLICT(name) DO UPDATE SET phone = excluded.phone, state = 'linked', linkedAt = excluded.linkedAt
                """, arguments: [name, phone, date])
        }
    }

    /// Records that a session stopped for good (`logged-out`, `banned`, …) with the reason staff see.
    public func recordSessionState(_ name: String, state: String, notice: String?, at date: Date) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO sessions (name, state, notice, lastSeenAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET state = excluded.state, notice = excluded.notice, lastSeenAt = excluded.lastSeenAt
                """, arguments: [name, state, notice, date])
            var fields: [String: Any] = ["session": name, "state": state]
            if let notice { fields["notice"] = notice }
            try Self.recordEvent(.sessionStopped, fields, in: db, at: date)
        }
    }
}

extension SiaranDatabase {
    /// One commit per message on the hot path: records the previous message as sent (if any)
    /// and marks the next one `sending`, before its network write. At most one message is ever
    /// sent but not yet recorded, so a crash repeats at most that one, with the same id.
    public func markSending(_ id: String, session: String, afterSent previous: (id: String, at: Date)?) async throws {
        try await write { db in
            if let previous {
                try db.execute(sql: Self.markSentSQL,
                               arguments: [previous.at, previous.id])
            }
            try db.execute(sql: "UPDATE messages SET state = 'sending', session = ?, attempts = attempts + 1 WHERE id = ?", arguments: [session, id])
        }
    }
}

extension SiaranDatabase {
    /// The same as `markSent`, without suspending: used on the way out of a cancelled send loop,
    /// where an async write would refuse to start.
    public func markSentSynchronously(_ id: String, at date: Date) throws {
        try writer.write { db in
            try db.execute(sql: Self.markSentSQL, arguments: [date, id])
        }
    }
}

extension SiaranDatabase {
    /// A delivery receipt: sets `delivered` unless the message is already further (`read`).
    public func markDelivered(_ id: String, at date: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE messages SET state = CASE WHEN state = 'read' THEN 'read' ELSE 'delivered' END, deliveredAt = COALESCE(deliveredAt, ?) WHERE id = ? AND state IN ('sent', 'delivered', 'read', 'sending')", arguments: [date, id])
            try Self.markReportsStale(messageId: id, in: db)
        }
    }

    public func markRead(_ id: String, at date: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE messages SET state = 'read', deliveredAt = COALESCE(deliveredAt, ?), readAt = COALESCE(readAt, ?) WHERE id = ? AND state IN ('sent', 'delivered', 'read', 'sending')", arguments: [date, date, id])
            try Self.markReportsStale(messageId: id, in: db)
        }
    }

    /// Records an incoming message; links it to the latest message we sent that number (for the
    /// response rate) and returns that message's campaign.
    @discardableResult
    public func recordReply(phone: String, session: String, messageId: String, text: String, at date: Date, isOptOut: Bool) async throws -> String? {
        try await write { db in
            // A fast reply can arrive before the send time is written (the sender records it
            // with the next message): a message without sentAt that went out counts as newest.
            let last = try Row.fetchOne(db, sql: """
                SELECT id, campaignId FROM messages WHERE phone = ? AND state IN ('sending', 'sent', 'delivered', 'read')
                ORDER BY COALESCE(sentAt, '9999-12-31') DESC LIMIT 1
                """, arguments: [phone])
            let inReplyTo: String? = last?["id"]
            let campaign: String? = last?["campaignId"]
            try db.execute(sql: """
                INSERT OR IGNORE INTO replies (phone, session, messageId, inReplyTo, campaignId, text, receivedAt, isOptOut)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [phone, session, messageId, inReplyTo, campaign, text, date, isOptOut])
            let isNew = db.changesCount > 0  // a reply delivered twice is recorded (and announced) once
            if let inReplyTo {
                try db.execute(sql: "UPDATE messages SET repliedAt = COALESCE(repliedAt, ?) WHERE id = ?", arguments: [date, inReplyTo])
            }
            if isNew, let campaign { try Self.markReportsStale(campaign: campaign, in: db) }
            if isNew {
                var fields: [String: Any] = ["phone": phone, "session": session, "messageId": messageId, "text": text,
                                             "optOut": isOptOut, "receivedAt": ISO8601DateFormatter().string(from: date)]
                if let campaign { fields["campaign"] = campaign }
                if let inReplyTo { fields["inReplyTo"] = inReplyTo }
                try Self.recordEvent(.messageReplied, fields, in: db)
            }
            return campaign
        }
    }
}
