public import Foundation
import GRDB

/// Conversations with the business: every incoming text (kept in `replies`, campaign replies
/// linked to the message they answer) and what staff or the auto-reply bot answered (`answers`),
/// with per-number state for the inbox (`conversations`: assigned user, done, last seen).
extension SiaranDatabase {
    /// v9 on SQLite. `answers.id` is the WhatsApp message id chosen before the send, like a
    /// campaign message's, so receipts find it and a retry after a crash never sends twice.
    static func createConversationsSchema(_ db: GRDB.Database) throws {
        try db.create(table: "answers") { t in
            t.primaryKey("id", .text)
            t.column("phone", .text).notNull().indexed()
            t.column("session", .text).notNull()
            t.column("text", .text).notNull()
            t.column("mediaPath", .text)
            t.column("author", .text).notNull()  // a dashboard user, "cli", or "autoreply"
            t.column("rule", .text)  // the auto-reply rule that answered
            t.column("state", .text).notNull()
                .check(sql: "state IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')")
            t.column("reason", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("sentAt", .datetime)
            t.column("deliveredAt", .datetime)
            t.column("readAt", .datetime)
        }
        try db.create(table: "conversations") { t in
            t.primaryKey("phone", .text)
            t.column("assignedTo", .text)
            t.column("doneAt", .datetime)
            t.column("seenAt", .datetime)
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(index: "repliesByReceivedAt", on: "replies", columns: ["receivedAt"])
    }

    /// v9 on PostgreSQL, the same as `createConversationsSchema`.
    static let conversationsPostgresSchema = """
        CREATE TABLE answers (
          id text PRIMARY KEY,
          phone text NOT NULL,
          session text NOT NULL,
          text text NOT NULL,
          mediaPath text,
          author text NOT NULL,
          rule text,
          state text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')),
          reason text,
          createdAt timestamptz NOT NULL,
          sentAt timestamptz,
          deliveredAt timestamptz,
          readAt timestamptz
        );
        CREATE INDEX answers_on_phone ON answers(phone);
        CREATE TABLE conversations (
          phone text PRIMARY KEY,
          assignedTo text,
          doneAt timestamptz,
          seenAt timestamptz,
          updatedAt timestamptz NOT NULL
        );
        CREATE INDEX repliesByReceivedAt ON replies(receivedAt);
        """

    // MARK: Answers

    /// Queues an answer for the daemon that holds its session, in the same transaction that
    /// checks it may go out: an opted-out number gets no answer, except one confirmation of its
    /// opt-out. Returns why it is refused, or nil when it was queued.
    public func beginAnswer(_ answer: NewAnswer, at date: Date = Date()) async throws -> AnswerRefusal? {
        try await write { db in try Self.queueAnswer(answer, at: date, in: db) }
    }

    /// `beginAnswer` inside a transaction (the bot checks its own limits in the same one).
    static func queueAnswer(_ answer: NewAnswer, at date: Date, in db: any SQLConnection) throws -> AnswerRefusal? {
        let optedOut = try db.scalarInt("SELECT COUNT(*) FROM optOuts WHERE phone = ?", answer.phone) > 0 || Self.isForgottenOptOut(answer.phone, in: db)
        if optedOut {
            guard answer.confirmsOptOut else { return .optedOut }
            let optedOutAt = try db.queryOne("SELECT createdAt FROM optOuts WHERE phone = ?", answer.phone)?.optionalDate("createdAt") ?? date
            let since = try db.scalarInt("""
                SELECT COUNT(*) FROM answers WHERE phone = ? AND createdAt >= ? AND state <> 'failed'
                """, answer.phone, optedOutAt)
            if since > 0 { return .optOutAlreadyConfirmed }
        }
        let known = try db.scalarInt("SELECT COUNT(*) FROM replies WHERE phone = ?", answer.phone)
            + db.scalarInt("SELECT COUNT(*) FROM messages WHERE phone = ?", answer.phone)
        if known == 0 { return .unknownNumber }
        try db.execute("""
            INSERT INTO answers (id, phone, session, text, mediaPath, author, rule, state, createdAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)
            """, answer.id, answer.phone, answer.session, answer.text, answer.mediaPath, answer.author, answer.rule, date)
        try touchConversation(answer.phone, at: date, in: db)
        try markCampaignReportsStale(phone: answer.phone, in: db)
        return nil
    }

    /// Answers waiting for a daemon to send them, oldest first. `interruptedOf`: sessions whose
    /// answers left `sending` are also listed (a cluster worker's own sessions: such an answer was
    /// on its way when the session's previous holder died, and goes out again under its id).
    public func queuedAnswers(limit: Int = 50, interruptedOf sessions: [String] = []) async throws -> [QueuedAnswer] {
        try await read { db in
            let interrupted = sessions.isEmpty ? "" : " OR (state = 'sending' AND session IN (\(db.placeholders(sessions.count))))"
            let arguments = sessions.map(SQLValue.text) + [.integer(Int64(limit))]
            return try db.query("SELECT id, phone, session, text, mediaPath FROM answers WHERE state = 'queued'\(interrupted) ORDER BY createdAt, id LIMIT ?",
                                arguments).map {
                QueuedAnswer(id: try $0.string("id"), phone: try $0.string("phone"), session: try $0.string("session"), text: try $0.string("text"),
                             mediaPath: $0.optionalString("mediaPath"))
            }
        }
    }

    /// Takes a queued answer for sending (`sending`, written before the network write like a
    /// campaign message); false when another worker took it first.
    ///
    /// With a `fence` (a worker of a cluster) the answer is taken only while that worker holds its
    /// session's lease under that fencing counter, checked in this transaction, so a worker frozen
    /// past its lease sends no answer for that session; and an answer left `sending` by the
    /// session's previous holder is taken again (it goes out under the same id, which the phone
    /// drops if it did arrive).
    public func claimAnswer(_ id: String, fence: LeaseFence? = nil) async throws -> Bool {
        try await write { db in
            guard let fence else { return try db.execute("UPDATE answers SET state = 'sending' WHERE id = ? AND state = 'queued'", id) > 0 }
            guard let session = try db.queryOne("SELECT session FROM answers WHERE id = ?", id).map({ try $0.string("session") }),
                  try Self.holdsSessionLease(session, worker: fence.worker, fencing: fence.fencing, at: Date(), in: db) else { return false }
            return try db.execute("UPDATE answers SET state = 'sending' WHERE id = ? AND state IN ('queued', 'sending')", id) > 0
        }
    }

    /// After a crash, answers left in `sending` go out again with the same id (the phone drops a duplicate).
    public func requeueInterruptedAnswers(sessions: [String]) async throws {
        guard !sessions.isEmpty else { return }
        try await write { db in
            _ = try db.execute("UPDATE answers SET state = 'queued' WHERE state = 'sending' AND session IN (\(db.placeholders(sessions.count)))",
                               sessions.map(SQLValue.text))
        }
    }

    /// Where an answer is: its state and, when it failed, why.
    public func answerStatus(_ id: String) async throws -> (state: String, reason: String?)? {
        try await read { db in
            try db.queryOne("SELECT state, reason FROM answers WHERE id = ?", id).map { (try $0.string("state"), $0.optionalString("reason")) }
        }
    }

    /// Answers a session sent since a time: they count toward its hourly and daily caps.
    static let answerCountSQL = "SELECT COUNT(*) FROM answers WHERE session = ? AND sentAt >= ?"

    /// The server took the answer: `sent`, and the `message.answered` event for webhooks.
    public func markAnswerSent(_ id: String, at date: Date) async throws {
        try await writeEvenIfCancelled { db in
            guard let row = try db.queryOne("SELECT * FROM answers WHERE id = ? AND state = 'sending'", id) else { return }
            try db.execute("UPDATE answers SET state = 'sent', sentAt = ? WHERE id = ?", date, id)
            var fields: [String: Any] = [
                "phone": try row.string("phone"), "session": try row.string("session"), "messageId": id, "text": try row.string("text"),
                "author": try row.string("author"), "automatic": row.optionalString("rule") != nil,
                "sentAt": ISO8601DateFormatter().string(from: date),
            ]
            if let rule = row.optionalString("rule") { fields["rule"] = rule }
            if let media = row.optionalString("mediaPath") { fields["image"] = (media as NSString).lastPathComponent }
            try Self.recordEvent(.messageAnswered, fields, in: db, at: date)
        }
    }

    /// The answer could not be sent; kept with the reason so staff see it in the conversation.
    /// - Parameter fence: on a cluster, the lease the sender held: a worker that lost the session
    ///   (frozen past its lease, its send then failing) leaves the answer to the new holder, which
    ///   sends it again under the same id, instead of failing it.
    /// - Returns: false when the answer was left alone (already settled, or the lease was lost).
    @discardableResult
    public func markAnswerFailed(_ id: String, reason: String, at date: Date = Date(), fence: LeaseFence? = nil) async throws -> Bool {
        try await writeEvenIfCancelled { db in
            if let fence {
                guard let session = try db.queryOne("SELECT session FROM answers WHERE id = ?", id).map({ try $0.string("session") }),
                      try Self.holdsSessionLease(session, worker: fence.worker, fencing: fence.fencing, at: Date(), in: db) else { return false }
            }
            guard try db.execute("UPDATE answers SET state = 'failed', reason = ? WHERE id = ? AND state IN ('queued', 'sending')", reason, id) > 0 else {
                return false
            }
            if let phone = try db.scalar("SELECT phone FROM answers WHERE id = ?", id).textValue {
                try Self.markCampaignReportsStale(phone: phone, in: db)
            }
            return true
        }
    }

    /// Receipts for answers (called with every receipt; a campaign message's id matches nothing here).
    static func markAnswerReceipt(_ id: String, read: Bool, at date: Date, in db: any SQLConnection) throws {
        if read {
            try db.execute("""
                UPDATE answers SET state = 'read', deliveredAt = COALESCE(deliveredAt, ?), readAt = COALESCE(readAt, ?)
                WHERE id = ? AND state IN ('sending', 'sent', 'delivered', 'read')
                """, date, date, id)
        } else {
            try db.execute("""
                UPDATE answers SET state = CASE WHEN state = 'read' THEN 'read' ELSE 'delivered' END, deliveredAt = COALESCE(deliveredAt, ?)
                WHERE id = ? AND state IN ('sending', 'sent', 'delivered', 'read')
                """, date, id)
        }
    }

    /// The session that last wrote to `phone` (an answer or a campaign message), else the one its
    /// last message came in on: the contact sees the same number.
    public func conversationSession(phone: String) async throws -> String? {
        try await read { db in
            let wrote = try db.queryOne("""
                SELECT session, at FROM (
                  SELECT session, COALESCE(sentAt, createdAt) AS at FROM answers WHERE phone = ? AND state <> 'failed'
                  UNION ALL
                  SELECT session, sentAt AS at FROM messages WHERE phone = ? AND session IS NOT NULL AND sentAt IS NOT NULL
                ) AS wrote ORDER BY at DESC LIMIT 1
                """, phone, phone)
            if let session = wrote?.optionalString("session") { return session }
            return try db.scalar("SELECT session FROM replies WHERE phone = ? AND session IS NOT NULL ORDER BY receivedAt DESC LIMIT 1", phone).textValue
        }
    }

    // MARK: Inbox

    /// Conversations, newest first: numbers that wrote to us, with their last text and how many
    /// of their messages came after staff last looked or answered.
    public func conversations(_ filter: ConversationFilter = ConversationFilter(), limit: Int = 200) async throws -> [ConversationSummary] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let campaign = filter.campaign {
                conditions.append("EXISTS (SELECT 1 FROM replies c WHERE c.phone = r.phone AND c.campaignId = ?)")
                arguments.append(.text(campaign))
            }
            if let session = filter.session {
                conditions.append("EXISTS (SELECT 1 FROM replies c WHERE c.phone = r.phone AND c.session = ?)")
                arguments.append(.text(session))
            }
            if let user = filter.assignedTo {
                conditions.append("v.assignedTo = ?")
                arguments.append(.text(user))
            }
            if let search = filter.search, !search.isEmpty {
                let digits = search.filter(\.isNumber)
                var names = ["r.phone LIKE ?"]
                arguments.append(.text("%\(digits.isEmpty ? search : digits)%"))
                names.append("LOWER(COALESCE((SELECT \(Self.contactName(db, "k.variables")) FROM contacts k WHERE k.phone = r.phone ORDER BY k.id DESC LIMIT 1), '')) LIKE ?")
                arguments.append(.text("%\(search.lowercased())%"))
                conditions.append("(" + names.joined(separator: " OR ") + ")")
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            // Whether a conversation is answered depends on its last answer: decided per row below,
            // so the limit applies after that filter.
            if !filter.unansweredOnly { arguments.append(.integer(Int64(limit))) }
            let rows = try db.query("""
                SELECT r.phone, MAX(r.receivedAt) AS lastAt, COUNT(*) AS total,
                       MAX(v.assignedTo) AS assignedTo, MAX(v.doneAt) AS doneAt, MAX(v.seenAt) AS seenAt
                FROM replies r LEFT JOIN conversations v ON v.phone = r.phone
                \(whereClause)
                GROUP BY r.phone
                ORDER BY lastAt DESC, r.phone\(filter.unansweredOnly ? "" : " LIMIT ?")
                """, arguments)
            var summaries: [ConversationSummary] = []
            for row in rows where summaries.count < limit {
                let summary = try Self.conversationSummary(phone: try row.string("phone"), row: row, in: db)
                if !filter.unansweredOnly || !summary.answered { summaries.append(summary) }
            }
            return summaries
        }
    }

    /// One number's whole conversation: our campaign messages, their texts and our answers, in time order.
    public func conversation(phone: String) async throws -> Conversation? {
        try await read { db in
            guard let row = try db.queryOne("""
                SELECT r.phone, MAX(r.receivedAt) AS lastAt, COUNT(*) AS total,
                       MAX(v.assignedTo) AS assignedTo, MAX(v.doneAt) AS doneAt, MAX(v.seenAt) AS seenAt
                FROM replies r LEFT JOIN conversations v ON v.phone = r.phone WHERE r.phone = ? GROUP BY r.phone
                """, phone) else {
                return nil
            }
            let summary = try Self.conversationSummary(phone: phone, row: row, in: db)
            var entries: [ConversationEntry] = []
            for m in try db.query("""
                SELECT id, campaignId, COALESCE(variant, '') AS variant, text, mediaSHA256, session, state, sentAt, deliveredAt, readAt
                FROM messages WHERE phone = ? AND sentAt IS NOT NULL
                """, phone) {
                entries.append(ConversationEntry(
                    kind: .campaign, id: try m.string("id"), at: try m.date("sentAt"), text: m.optionalString("text") ?? "",
                    session: m.optionalString("session"), campaign: m.optionalString("campaignId"), variant: m.optionalString("variant"),
                    hasImage: m.optionalString("mediaSHA256") != nil, state: m.optionalString("state"),
                    deliveredAt: m.optionalDate("deliveredAt"), readAt: m.optionalDate("readAt")))
            }
            for r in try db.query("""
                SELECT r.messageId, r.session, r.campaignId, r.text, r.receivedAt, r.isOptOut, COALESCE(m.variant, '') AS variant
                FROM replies r LEFT JOIN messages m ON m.id = r.inReplyTo WHERE r.phone = ?
                """, phone) {
                entries.append(ConversationEntry(
                    kind: .incoming, id: try r.string("messageId"), at: try r.date("receivedAt"), text: r.optionalString("text") ?? "",
                    session: r.optionalString("session"), campaign: r.optionalString("campaignId"), variant: r.optionalString("variant"),
                    isOptOut: try r.bool("isOptOut")))
            }
            for a in try db.query("SELECT * FROM answers WHERE phone = ?", phone) {
                let created = try a.date("createdAt")
                entries.append(ConversationEntry(
                    kind: .answer, id: try a.string("id"), at: a.optionalDate("sentAt") ?? created, text: try a.string("text"),
                    session: a.optionalString("session"), hasImage: a.optionalString("mediaPath") != nil, state: a.optionalString("state"),
                    deliveredAt: a.optionalDate("deliveredAt"), readAt: a.optionalDate("readAt"), author: a.optionalString("author"),
                    rule: a.optionalString("rule"), reason: a.optionalString("reason")))
            }
            entries.sort { ($0.at, $0.kind.order) < ($1.at, $1.kind.order) }
            return Conversation(summary: summary, entries: entries)
        }
    }

    /// Staff opened the conversation: its texts so far are no longer unread (up to the newest
    /// one's time, which comes from the phone and may be ahead of this machine's clock).
    public func markConversationSeen(phone: String, at date: Date = Date()) async throws {
        try await write { db in
            try Self.touchConversation(phone, at: date, in: db)
            let newest = try db.queryOne("SELECT MAX(receivedAt) AS at FROM replies WHERE phone = ?", phone)?.optionalDate("at")
            try db.execute("UPDATE conversations SET seenAt = ? WHERE phone = ?", max(date, newest ?? date), phone)
        }
    }

    /// Marks a conversation handled (nil reopens it): it leaves the unanswered list until the number writes again.
    public func setConversationDone(phone: String, _ done: Bool, at date: Date = Date()) async throws {
        try await write { db in
            try Self.touchConversation(phone, at: date, in: db)
            try db.execute("UPDATE conversations SET doneAt = ?, seenAt = COALESCE(?, seenAt) WHERE phone = ?", done ? date : nil, done ? date : nil, phone)
        }
    }

    /// Gives a conversation to a dashboard user (nil: to nobody).
    public func assignConversation(phone: String, to user: String?, at date: Date = Date()) async throws {
        try await write { db in
            try Self.touchConversation(phone, at: date, in: db)
            try db.execute("UPDATE conversations SET assignedTo = ? WHERE phone = ?", user, phone)
        }
    }

    // MARK: Helpers

    static func touchConversation(_ phone: String, at date: Date, in db: any SQLConnection) throws {
        try db.execute("""
            INSERT INTO conversations (phone, updatedAt) VALUES (?, ?) ON CONFLICT (phone) DO UPDATE SET updatedAt = excluded.updatedAt
            """, phone, date)
    }

    /// Campaigns that wrote to `phone` show their replies' `answered` column again.
    static func markCampaignReportsStale(phone: String, in db: any SQLConnection) throws {
        for campaign in try db.query("SELECT DISTINCT campaignId FROM replies WHERE phone = ? AND campaignId IS NOT NULL", phone) {
            try markReportsStale(campaign: try campaign.string(at: 0), in: db)
        }
    }

    /// The contact's name as staff wrote it in any of the usual column spellings.
    static func contactName(_ db: any SQLConnection, _ column: String) -> String {
        "COALESCE(" + ["name", "nama", "Name", "Nama", "NAME", "NAMA"].map { db.dialect.jsonText(column, key: $0) }.joined(separator: ", ") + ")"
    }

    static func conversationSummary(phone: String, row: SQLRow, in db: any SQLConnection) throws -> ConversationSummary {
        let last = try db.queryOne("""
            SELECT text, campaignId, session, isOptOut FROM replies WHERE phone = ? ORDER BY receivedAt DESC, id DESC LIMIT 1
            """, phone)
        let lastAnswer = try db.queryOne("""
            SELECT createdAt FROM answers WHERE phone = ? AND state <> 'failed' ORDER BY createdAt DESC LIMIT 1
            """, phone)?.optionalDate("createdAt")
        let seenAt = row.optionalDate("seenAt")
        let doneAt = row.optionalDate("doneAt")
        let since = [seenAt, lastAnswer, doneAt].compactMap { $0 }.max()
        let unread = try since.map { try db.scalarInt("SELECT COUNT(*) FROM replies WHERE phone = ? AND receivedAt > ?", phone, $0) }
            ?? (try row.int("total"))
        let lastAt = try row.date("lastAt")
        let name = try db.scalar("SELECT \(contactName(db, "variables")) FROM contacts WHERE phone = ? ORDER BY id DESC LIMIT 1", phone).textValue
        let optedOut = try db.scalarInt("SELECT COUNT(*) FROM optOuts WHERE phone = ?", phone) > 0 || Self.isForgottenOptOut(phone, in: db)
        let answered = lastAnswer.map { $0 >= lastAt } ?? false
        return ConversationSummary(
            phone: phone, name: name ?? "", lastText: last?.optionalString("text") ?? "", lastAt: lastAt, campaign: last?.optionalString("campaignId"),
            session: last?.optionalString("session"), messages: try row.int("total"), unread: unread,
            answered: answered || (doneAt.map { $0 >= lastAt } ?? false), assignedTo: row.optionalString("assignedTo"), doneAt: doneAt,
            optedOut: optedOut)
    }
}

extension StoreSnapshot {
    /// A campaign's replies, oldest first: who wrote, their name and variant from the campaign,
    /// and whether staff or the bot answered after it.
    public func forEachReply(of campaign: String, _ body: (ReplyReportRow) throws -> Void) throws {
        let dialect = db.dialect
        try db.forEachRow("""
            SELECT r.phone, COALESCE(\(SiaranDatabase.contactName(db, "c.variables")), '') AS name, \(dialect.epochMilliseconds("r.receivedAt")),
                   COALESCE(m.variant, '') AS variant, COALESCE(r.text, '') AS text, r.isOptOut,
                   (SELECT COUNT(*) FROM answers a WHERE a.phone = r.phone AND a.createdAt >= r.receivedAt AND a.state <> 'failed') AS answers
            FROM replies r LEFT JOIN messages m ON m.id = r.inReplyTo LEFT JOIN contacts c ON c.id = m.contactId
            WHERE r.campaignId = ? ORDER BY r.receivedAt, r.id
            """, [.text(campaign)]) { row in
            try body(ReplyReportRow(
                phone: try row.string(at: 0), name: row.optionalString(at: 1) ?? "",
                receivedAt: Date(timeIntervalSince1970: Double(try row.int(at: 2)) / 1000), variant: try row.string(at: 3),
                text: try row.string(at: 4), isOptOut: row[5].boolValue ?? false, answered: try row.int(at: 6) > 0))
        }
    }
}

/// An answer to record before it is sent.
public struct NewAnswer: Sendable, Equatable {
    public var id: String
    public var phone: String
    public var session: String
    public var text: String
    public var mediaPath: String?
    /// The user who answered (`cli` from the command line, `autoreply` for the bot).
    public var author: String
    public var rule: String?
    /// The one answer an opted-out number may get: the confirmation of its opt-out.
    public var confirmsOptOut: Bool

    public init(id: String, phone: String, session: String, text: String, mediaPath: String? = nil, author: String, rule: String? = nil,
                confirmsOptOut: Bool = false) {
        self.id = id
        self.phone = phone
        self.session = session
        self.text = text
        self.mediaPath = mediaPath
        self.author = author
        self.rule = rule
        self.confirmsOptOut = confirmsOptOut
    }
}

/// An answer a daemon is to send.
public struct QueuedAnswer: Sendable, Equatable {
    public var id: String
    public var phone: String
    public var session: String
    public var text: String
    public var mediaPath: String?
}

/// Why an answer may not go out.
public enum AnswerRefusal: String, Sendable, Equatable, Error {
    /// The number asked not to be messaged.
    case optedOut = "opted-out"
    /// The opted-out number already had its one confirmation.
    case optOutAlreadyConfirmed = "opt-out-already-confirmed"
    /// Nobody by that number ever wrote to us or got a campaign message.
    case unknownNumber = "unknown-number"
}

/// What the inbox lists.
public struct ConversationFilter: Sendable, Equatable {
    public var unansweredOnly: Bool
    public var campaign: String?
    public var session: String?
    public var assignedTo: String?
    /// Part of a number or a name.
    public var search: String?

    public init(unansweredOnly: Bool = false, campaign: String? = nil, session: String? = nil, assignedTo: String? = nil, search: String? = nil) {
        self.unansweredOnly = unansweredOnly
        self.campaign = campaign
        self.session = session
        self.assignedTo = assignedTo
        self.search = search
    }
}

/// One line of the inbox.
public struct ConversationSummary: Sendable, Equatable, Codable {
    public var phone: String
    public var name: String
    public var lastText: String
    public var lastAt: Date
    /// The campaign the last text answered; nil for a number no campaign wrote to.
    public var campaign: String?
    public var session: String?
    /// Texts the number sent us.
    public var messages: Int
    /// Texts since staff last looked, answered or marked it done.
    public var unread: Int
    /// Answered (or marked done) after the last text.
    public var answered: Bool
    public var assignedTo: String?
    public var doneAt: Date?
    public var optedOut: Bool
}

/// One message in a conversation.
public struct ConversationEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A campaign message we sent.
        case campaign
        /// A text the contact sent.
        case incoming
        /// What staff or the bot answered.
        case answer

        var order: Int {
            switch self {
            case .campaign: 0
            case .incoming: 1
            case .answer: 2
            }
        }
    }

    public var kind: Kind
    /// The WhatsApp message id.
    public var id: String
    public var at: Date
    public var text: String
    public var session: String?
    public var campaign: String?
    public var variant: String?
    public var hasImage: Bool = false
    /// For what we sent: `sending`, `sent`, `delivered`, `read` or `failed`.
    public var state: String?
    public var deliveredAt: Date?
    public var readAt: Date?
    public var author: String?
    public var rule: String?
    public var reason: String?
    public var isOptOut: Bool = false
}

/// A number's conversation with the business.
public struct Conversation: Sendable, Equatable, Codable {
    public var summary: ConversationSummary
    public var entries: [ConversationEntry]
}

/// One row of `replies.csv`, the Replies sheet and the PDF's replies page.
public struct ReplyReportRow: Sendable, Equatable {
    public var phone: String
    public var name: String
    public var receivedAt: Date
    public var variant: String
    public var text: String
    public var isOptOut: Bool
    public var answered: Bool
}
