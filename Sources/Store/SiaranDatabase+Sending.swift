public import Foundation

/// The send loop's queries. Every message's id is chosen before its first attempt; a message is
/// marked `sending` in a commit before its network write, so a crash re-sends it with that id.
extension SiaranDatabase {
    /// The sender's three questions, in the order it sends: messages left `sending` by a crash
    /// (same id again), retries that are due, then pending ones in list order (contacts are
    /// stored in line order, so their ids are). Each is one range of the `messagesBySendOrder`
    /// index (v11) read in order up to its limit, so a batch costs the same at the first and the
    /// hundred-thousandth message; one query ordered by state then line sorted every unsent
    /// message on every batch. `QueryPlanTests` keeps them so.
    static let nextSendingSQL = "SELECT * FROM messages WHERE campaignId = ? AND state = 'sending' ORDER BY contactId LIMIT ?"
    static let nextRetryingSQL = """
        SELECT * FROM messages WHERE campaignId = ? AND state = 'retrying' AND nextAttemptAt <= ? ORDER BY contactId LIMIT ?
        """
    static let nextPendingSQL = "SELECT * FROM messages WHERE campaignId = ? AND state = 'pending' AND notBefore IS NULL ORDER BY contactId LIMIT ?"
    /// The pending range after (then up to) the last contact handed out: see `SendQueuePosition`.
    static let nextPendingAfterSQL = """
        SELECT * FROM messages WHERE campaignId = ? AND state = 'pending' AND notBefore IS NULL AND contactId > ? ORDER BY contactId LIMIT ?
        """
    static let nextPendingUpToSQL = """
        SELECT * FROM messages WHERE campaignId = ? AND state = 'pending' AND notBefore IS NULL AND contactId <= ? ORDER BY contactId LIMIT ?
        """
    /// `send_time: best`: pending messages whose hour has come, before the untimed ones (their
    /// hour is short), from the `messagesBySendTime` index (v15) that holds only timed messages.
    static let nextTimedSQL = """
        SELECT * FROM messages WHERE campaignId = ? AND state = 'pending' AND notBefore <= ? ORDER BY notBefore, contactId LIMIT ?
        """

    /// The next messages to send: first any left `sending` by a crash (same id again), then
    /// retries that are due, then timed ones whose hour has come, then pending ones in contact order.
    public func nextMessages(of campaign: String, now: Date, limit: Int) async throws -> [MessageRecord] {
        var position = SendQueuePosition()
        return try await nextMessages(of: campaign, now: now, limit: limit, position: &position)
    }

    /// The same, for a send loop that goes on from where its last batch ended (`position`).
    /// PostgreSQL keeps an index entry for every version of a row until vacuum, so the `pending`
    /// and `sending` ranges fill with entries of messages long sent; read from the start on every
    /// batch, they cost a step per message already sent, and a campaign of 100,000 slowed down as
    /// it went. The pending range is read after the last contact handed out, and from the start
    /// only when that runs short (a message given back by a pause lies behind the position).
    public func nextMessages(of campaign: String, now: Date, limit: Int, position: inout SendQueuePosition) async throws -> [MessageRecord] {
        let start = position
        let rows = try await read { db in
            var rows = start.leftoversChecked ? [] : try db.query(Self.nextSendingSQL, campaign, limit)
            if rows.count < limit { rows += try db.query(Self.nextRetryingSQL, campaign, now, limit - rows.count) }
            if rows.count < limit { rows += try db.query(Self.nextTimedSQL, campaign, now, limit - rows.count) }
            if let last = start.lastPendingContact {
                if rows.count < limit { rows += try db.query(Self.nextPendingAfterSQL, campaign, last, limit - rows.count) }
                if rows.count < limit { rows += try db.query(Self.nextPendingUpToSQL, campaign, last, limit - rows.count) }
            } else if rows.count < limit {
                rows += try db.query(Self.nextPendingSQL, campaign, limit - rows.count)
            }
            return try rows.map(MessageRecord.init(row:))
        }
        position.leftoversChecked = true
        // Timed messages come by their time, not in contact order: they never move the position.
        if let last = rows.filter({ $0.state == .pending && $0.notBefore == nil }).map(\.contactId).max() {
            position.lastPendingContact = max(last, start.lastPendingContact ?? last)
        }
        return rows
    }

    /// How many of a campaign's messages are `sending`: claimed and not yet recorded, by this
    /// worker or another (a campaign is not over while any is).
    public func sendingCount(of campaign: String) async throws -> Int {
        try await read { db in try db.scalarInt("SELECT COUNT(*) FROM messages WHERE campaignId = ? AND state = 'sending'", campaign) }
    }

    /// The earliest time a retrying message becomes due, if any.
    public func nextRetry(of campaign: String) async throws -> Date? {
        try await read { db in
            try db.scalar("SELECT MIN(nextAttemptAt) FROM messages WHERE campaignId = ? AND state = 'retrying'", campaign).dateValue
        }
    }

    /// One message marked `sending`, committed before the network write (the send loop claims
    /// groups with `recordSent(_:thenClaim:)`; this is the same for one message).
    public func markSending(_ id: String, session: String) async throws {
        try await recordSent([], thenClaim: [MessageClaim(id: id, session: session)])
    }

    /// One message recorded as sent (see `recordSent(_:_:)` for what a receipt that came first keeps).
    public func markSent(_ id: String, at date: Date) async throws {
        try await write { db in try Self.recordSent([SentMessage(id: id, at: date)], db) }
    }

    /// One commit for a group of messages on the hot path: records the messages already put on
    /// the wire as sent and marks the next ones `sending` (with their session), before any of
    /// them is written to the network. Only messages marked `sending` can be on the wire but not
    /// yet recorded, so a crash repeats at most those, each with its own id again.
    ///
    /// A claim with a `fence` (a worker of a cluster) is made only while that worker still holds
    /// the session's lease under that fencing counter, checked in this transaction: otherwise
    /// nothing is claimed, the sends are still recorded, and `SessionLeaseLost` is thrown, so a
    /// worker that was frozen past its lease sends nothing more for that session.
    ///
    /// Claims are exclusive, so several workers can send one campaign and each message goes once:
    /// a message is claimed only while `pending` or `retrying`, or `sending` under a session no
    /// live worker other than the claimant holds (left by a worker that died: sent again with the
    /// same id). Returns the ids claimed; the caller sends only those.
    @discardableResult
    public func recordSent(_ sent: [SentMessage], thenClaim claims: [MessageClaim]) async throws -> Set<String> {
        guard !sent.isEmpty || !claims.isEmpty else { return [] }
        let (lost, claimed) = try await write { db -> ([String], Set<String>) in
            try Self.recordSent(sent, db)
            let now = Date()
            var fences: [String: LeaseFence] = [:]
            for claim in claims { if let fence = claim.fence { fences[claim.session] = fence } }
            let lost = try fences.sorted { $0.key < $1.key }.filter { session, fence in
                !(try Self.holdsSessionLease(session, worker: fence.worker, fencing: fence.fencing, at: now, in: db))
            }.map(\.key)
            guard lost.isEmpty else { return (lost, []) }
            return ([], try Self.claim(claims, at: now, db))
        }
        if !lost.isEmpty { throw SessionLeaseLost(sessions: lost) }
        return claimed
    }

    /// Records messages put on the wire, and completes even when the calling task was cancelled:
    /// used on the way out of a send loop that stops.
    public func recordSentEvenIfCancelled(_ sent: [SentMessage]) async throws {
        guard !sent.isEmpty else { return }
        try await writeEvenIfCancelled { db in try Self.recordSent(sent, db) }
    }

    /// Gives back messages that were claimed but never written to the network (the loop stopped
    /// for a pause, a cancel or the end of the sending window): `pending` again, their attempt
    /// not counted. Completes even when the calling task was cancelled.
    ///
    /// Given the claims' `session`, only messages still `sending` under it move; given a `fence`
    /// too, nothing moves once that lease is gone (checked in this transaction): a worker frozen
    /// past its lease leaves its claims `sending` for the new owner, who may have claimed them
    /// again already, instead of putting them back where a third lane could send them once more.
    public func releaseClaims(_ ids: [String], session: String? = nil, fence: LeaseFence? = nil) async throws {
        guard !ids.isEmpty else { return }
        try await writeEvenIfCancelled { db in
            if let session, let fence,
               !(try Self.holdsSessionLease(session, worker: fence.worker, fencing: fence.fencing, at: Date(), in: db)) { return }
            for chunk in ids.chunked(into: Self.rowsPerStatement) {
                try db.execute("""
                    UPDATE messages SET state = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
                    WHERE state = 'sending' AND id IN (\(db.placeholders(chunk.count)))\(session == nil ? "" : " AND session = ?")
                    """, chunk.map(SQLValue.text) + (session.map { [SQLValue.text($0)] } ?? []))
            }
        }
    }

    /// Bound on the rows one statement names, well inside both backends' parameter limits.
    static let rowsPerStatement = 200

    /// Receipts often arrive before the sender records the send (it does so with the next
    /// group), so a delivered or read message still gets its send time; only the state of a
    /// message not yet past `sent` moves to `sent`. One statement per chunk (`UPDATE … FROM` a list of values, SQLite 3.33+ and PostgreSQL).
    static func recordSent(_ sent: [SentMessage], _ db: any SQLConnection) throws {
        for chunk in sent.chunked(into: rowsPerStatement) {
            let rows = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
            try db.execute("""
                WITH sent(id, at) AS (VALUES \(rows))
                UPDATE messages SET sentAt = COALESCE(messages.sentAt, sent.at),
                    reason = CASE WHEN messages.state IN ('sending', 'retrying', 'pending') THEN NULL ELSE messages.reason END,
                    state = CASE WHEN messages.state IN ('sending', 'retrying', 'pending') THEN 'sent' ELSE messages.state END
                FROM sent
                WHERE messages.id = sent.id AND messages.state IN ('sending', 'retrying', 'pending', 'delivered', 'read')
                """, chunk.flatMap { [SQLValue.text($0.id), .date($0.at)] })
        }
    }

    /// A message a worker may take (arguments: the worker, now): `pending` or `retrying`, or
    /// `sending` under a session no live worker other than this one holds (left by one that died).
    static let claimableSQL = """
        (state IN ('pending', 'retrying') OR (state = 'sending' AND NOT EXISTS (
            SELECT 1 FROM sessionLeases l WHERE l.session = messages.session AND l.owner IS NOT NULL AND l.owner <> ? AND l.expiresAt > ?)))
        """

    /// Marks messages `sending` for their sessions, one statement per session and chunk, and
    /// returns the ids it marked: a message another worker claimed (or sent) meanwhile is left
    /// alone (see `recordSent(_:thenClaim:)`).
    static func claim(_ claims: [MessageClaim], at now: Date, _ db: any SQLConnection) throws -> Set<String> {
        var bySession: [String: (ids: [String], worker: String)] = [:]
        for claim in claims { bySession[claim.session, default: ([], claim.fence?.worker ?? "")].ids.append(claim.id) }
        var claimed: Set<String> = []
        for (session, group) in bySession.sorted(by: { $0.key < $1.key }) {
            for chunk in group.ids.chunked(into: rowsPerStatement) {
                let rows = try db.query("""
                    UPDATE messages SET state = 'sending', session = ?, attempts = attempts + 1
                    WHERE id IN (\(db.placeholders(chunk.count))) AND \(claimableSQL)
                    RETURNING id
                    """, [SQLValue.text(session)] + chunk.map(SQLValue.text) + [.text(group.worker), .date(now)])
                for row in rows { claimed.insert(try row.string("id")) }
            }
        }
        return claimed
    }

    /// A claimed message whose attempt failed for good: `failed`. Moved only while it is still
    /// `sending` under `claim.session` and, with a fence, only while that lease holds (checked in
    /// this transaction, as the claim is): a worker frozen past its lease that wakes with a failed
    /// write must not undo the new owner's send, nor fail a message the new owner claimed again.
    /// Throws `SessionLeaseLost` (moving nothing) when the lease is gone; answers whether it moved.
    @discardableResult
    public func markFailed(_ claim: MessageClaim, reason: String, at date: Date = Date()) async throws -> Bool {
        try await settleClaimed(claim) { db in
            try db.execute("UPDATE messages SET state = 'failed', reason = ?, failedAt = ? WHERE id = ? AND state = 'sending' AND session = ?",
                           reason, date, claim.id, claim.session)
        }
    }

    /// A claimed message whose attempt failed for now: `retrying` from `next`. Guarded as `markFailed(_:reason:at:)`.
    @discardableResult
    public func markRetrying(_ claim: MessageClaim, reason: String, next: Date) async throws -> Bool {
        try await settleClaimed(claim) { db in
            try db.execute("UPDATE messages SET state = 'retrying', reason = ?, nextAttemptAt = ? WHERE id = ? AND state = 'sending' AND session = ?",
                           reason, next, claim.id, claim.session)
        }
    }

    /// A message failed before any attempt (its contact opted out): moved only while this worker
    /// could still claim it (`pending`, `retrying`, or `sending` left by a worker that died) and,
    /// with a fence, while the lease holds; another worker's send or claim is left alone.
    @discardableResult
    public func failUnsent(_ claim: MessageClaim, reason: String, at date: Date = Date()) async throws -> Bool {
        try await settleClaimed(claim) { db in
            try db.execute("UPDATE messages SET state = 'failed', reason = ?, failedAt = ? WHERE id = ? AND \(Self.claimableSQL)",
                           reason, date, claim.id, claim.fence?.worker ?? "", Date())
        }
    }

    /// A message that may not go now because every session that could send it is restricted from
    /// starting new chats: `retrying` from `until`, and an attempt it had claimed is given back
    /// (waiting is not failing). Moved only while it is this claim's (`sending` under
    /// `claim.session`) or still free to claim, and, with a fence, while the lease holds.
    @discardableResult
    public func postpone(_ claim: MessageClaim, until: Date, reason: String) async throws -> Bool {
        try await settleClaimed(claim) { db in
            try db.execute("""
                UPDATE messages SET state = 'retrying', reason = ?, nextAttemptAt = ?,
                    attempts = CASE WHEN state = 'sending' AND attempts > 0 THEN attempts - 1 ELSE attempts END
                WHERE id = ? AND ((state = 'sending' AND session = ?) OR \(Self.claimableSQL))
                """, reason, until, claim.id, claim.session, claim.fence?.worker ?? "", Date())
        }
    }

    /// Runs `change` (answering the rows it moved) in one transaction with the claim's fence check.
    private func settleClaimed(_ claim: MessageClaim, _ change: @Sendable @escaping (any SQLConnection) throws -> Int) async throws -> Bool {
        let moved = try await write { db -> Int? in
            if let fence = claim.fence,
               !(try Self.holdsSessionLease(claim.session, worker: fence.worker, fencing: fence.fencing, at: Date(), in: db)) { return nil }
            return try change(db)
        }
        guard let moved else { throw SessionLeaseLost(sessions: [claim.session]) }
        return moved > 0
    }

    /// Arguments: session, since. Asked twice before every send when caps are set; read from
    /// the `messagesBySessionSent` index (v6), not by scanning every message ever sent.
    static let sentCountSQL = "SELECT COUNT(*) FROM messages WHERE session = ? AND sentAt >= ?"

    /// Sends per session since a time, for hourly and daily caps.
    public func sentCount(session: String, since: Date) async throws -> Int {
        // Answers to conversations count too: the number's limits are WhatsApp's, not the campaign's.
        try await read { db in try db.scalarInt(Self.sentCountSQL, session, since) + db.scalarInt(Self.answerCountSQL, session, since) }
    }

    /// When a session last sent a campaign message (any campaign, any worker): a worker that takes
    /// the session over paces its next send from there.
    public func lastSentAt(session: String) async throws -> Date? {
        try await read { db in try db.scalar("SELECT MAX(sentAt) FROM messages WHERE session = ?", session).dateValue }
    }

    /// The campaign and phone of a message, for receipts (which name only the message).
    public func messageOwner(_ id: String) async throws -> (campaign: String, phone: String)? {
        try await read { db in
            try db.queryOne("SELECT campaignId, phone FROM messages WHERE id = ?", id).map { (try $0.string("campaignId"), try $0.string("phone")) }
        }
    }
}

/// Where a send loop stands in its campaign's queue (see `nextMessages(of:now:limit:position:)`).
/// Messages left `sending` by a crash are looked for once, at the loop's start: afterwards the
/// loop records, fails or gives back every message it claims before it asks again.
public struct SendQueuePosition: Sendable, Equatable {
    var leftoversChecked = false
    var lastPendingContact: Int64?

    public init() {}

    /// After claims were given back (pause, cancel, end of the window): they lie behind the
    /// position, so the next batch reads the pending range from its start.
    public mutating func claimsReleased() { lastPendingContact = nil }

    /// Messages still `sending` when the queue ran out (another worker's in flight, or left by one
    /// that died): the next batch looks at them again, and the claim decides who sends them.
    public mutating func lookAtLeftoversAgain() { leftoversChecked = false }
}

/// A message written to the network, waiting for the commit that records it as sent.
public struct SentMessage: Sendable, Equatable {
    public var id: String
    public var at: Date

    public init(id: String, at: Date) {
        self.id = id
        self.at = at
    }
}

/// A message about to be sent, and the session that sends it.
public struct MessageClaim: Sendable, Equatable {
    public var id: String
    public var session: String
    /// The lease the claiming worker must still hold for `session` (nil: no cluster, SQLite).
    public var fence: LeaseFence?

    public init(id: String, session: String, fence: LeaseFence? = nil) {
        self.id = id
        self.session = session
        self.fence = fence
    }
}

/// A worker's hold on a session: valid while the lease row still names this worker and counter.
public struct LeaseFence: Sendable, Equatable {
    public var worker: String
    /// 0 when the worker holds no lease on the session (no lease row ever has 0).
    public var fencing: Int

    public init(worker: String, fencing: Int) {
        self.worker = worker
        self.fencing = fencing
    }
}

/// The worker no longer holds these sessions' leases: nothing was claimed for them.
public struct SessionLeaseLost: Error, CustomStringConvertible {
    public let sessions: [String]

    public init(sessions: [String]) { self.sessions = sessions }

    public var description: String {
        "this worker no longer holds the lease of session \(sessions.joined(separator: ", ")) (another worker took it over)"
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
