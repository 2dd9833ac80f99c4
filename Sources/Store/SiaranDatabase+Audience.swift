public import Foundation
import GRDB

/// What past campaigns tell about one contact: the facts the engagement guard and the history
/// conditions of segments are decided on. Only real campaigns count: a dry-run is a rehearsal
/// (`campaigns.rehearsal`), and its messages and any replies filed under it are left out.
public struct ContactHistory: Sendable, Equatable {
    /// One message a real campaign sent to the contact.
    public struct Received: Sendable, Equatable {
        public var campaignId: String
        public var sentAt: Date
        public var deliveredAt: Date?
        public var readAt: Date?
        public var repliedAt: Date?

        public init(campaignId: String, sentAt: Date, deliveredAt: Date? = nil, readAt: Date? = nil, repliedAt: Date? = nil) {
            self.campaignId = campaignId
            self.sentAt = sentAt
            self.deliveredAt = deliveredAt
            self.readAt = readAt
            self.repliedAt = repliedAt
        }
    }

    /// The latest message from the contact (any reply, or a message that answered nothing).
    public var lastReplyAt: Date?
    /// The latest read receipt of any message a real campaign sent them.
    public var lastReadAt: Date?
    /// Whether any message of a real campaign was ever delivered to them.
    public var everDelivered: Bool
    /// Their latest campaigns' messages, newest first (at most the number asked for).
    public var recent: [Received]

    public init(lastReplyAt: Date? = nil, lastReadAt: Date? = nil, everDelivered: Bool = false, recent: [Received] = []) {
        self.lastReplyAt = lastReplyAt
        self.lastReadAt = lastReadAt
        self.everDelivered = everDelivered
        self.recent = recent
    }

    /// The engagement guard's rule: the contact received each of their last `campaigns` real
    /// campaigns and never read nor replied to any of them, nor wrote to us since the first.
    public func isUnengaged(campaigns: Int) -> Bool {
        guard campaigns > 0, recent.count >= campaigns else { return false }
        let last = recent.prefix(campaigns)
        guard last.allSatisfy({ $0.readAt == nil && $0.repliedAt == nil }) else { return false }
        let oldest = last.map(\.sentAt).min() ?? .distantPast
        if let lastReplyAt, lastReplyAt >= oldest { return false }
        return true
    }
}

extension SiaranDatabase {
    /// v13 on SQLite: `campaigns.rehearsal` (a dry-run campaign, never history for the guard,
    /// segments or send times) and `campaigns.outsideSegment` (contacts a `segment:` left out;
    /// null without a segment); messages by phone and time, for reading a contact's history;
    /// `abTests`, the checkpoints of a test-then-winner campaign (see `SiaranDatabase+ABTests`).
    static func createEngagementSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: """
            ALTER TABLE campaigns ADD COLUMN rehearsal BOOLEAN NOT NULL DEFAULT 0;
            ALTER TABLE campaigns ADD COLUMN outsideSegment INTEGER;
            CREATE INDEX messagesByPhoneSent ON messages(phone, sentAt);
            CREATE TABLE abTests (
              campaignId TEXT PRIMARY KEY NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              sampleSize INTEGER NOT NULL,
              sampleSentAt DATETIME NOT NULL,
              decidedAt DATETIME,
              winner TEXT,
              decidedBy TEXT CHECK (decidedBy IN ('significant', 'fallback-first', 'fallback-higher')),
              pValue REAL,
              reason TEXT
            );
            """)
    }

    /// v13 on PostgreSQL, the same as `createEngagementSchema`.
    static let engagementPostgresSchema = """
        ALTER TABLE campaigns ADD COLUMN rehearsal boolean NOT NULL DEFAULT false;
        ALTER TABLE campaigns ADD COLUMN outsideSegment bigint;
        CREATE INDEX messagesByPhoneSent ON messages(phone, sentAt);
        CREATE TABLE abTests (
          campaignId text PRIMARY KEY NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
          sampleSize bigint NOT NULL,
          sampleSentAt timestamptz NOT NULL,
          decidedAt timestamptz,
          winner text,
          decidedBy text CHECK (decidedBy IN ('significant', 'fallback-first', 'fallback-higher')),
          pValue double precision,
          reason text
        );
        """

    /// Records whether the campaign is a dry-run rehearsal (set when its contacts are checked and
    /// again when sending starts, with the transport of that moment).
    public func setRehearsal(_ rehearsal: Bool, campaign: String) async throws {
        try await write { db in
            _ = try db.execute("UPDATE campaigns SET rehearsal = ? WHERE id = ?", rehearsal, campaign)
        }
    }

    /// Whether the campaign is recorded as a dry-run rehearsal.
    public func isRehearsal(campaign: String) async throws -> Bool {
        try await read { db in
            try db.queryOne("SELECT rehearsal FROM campaigns WHERE id = ?", campaign).map { try $0.bool("rehearsal") } ?? false
        }
    }

    /// Records how many contacts the campaign's `segment:` left out.
    public func setOutsideSegment(_ count: Int?, campaign: String) async throws {
        try await write { db in
            _ = try db.execute("UPDATE campaigns SET outsideSegment = ? WHERE id = ?", count, campaign)
        }
    }

    /// How many contacts the campaign's `segment:` left out; nil when it has none.
    public func outsideSegment(campaign: String) async throws -> Int? {
        try await read { db in
            try db.queryOne("SELECT outsideSegment FROM campaigns WHERE id = ?", campaign)?.optionalInt("outsideSegment")
        }
    }

    /// How many of a campaign's refused rows have one reason (`unengaged`, …).
    public func rejectedCount(of campaign: String, reason: String) async throws -> Int {
        try await read { db in
            try db.scalarInt("SELECT COUNT(*) FROM rejectedContacts WHERE campaignId = ? AND reason = ?", campaign, reason)
        }
    }

    /// The history of each of `phones` in real campaigns other than `excluding`, with their
    /// latest `recent` messages. Phones with no history at all get an empty ``ContactHistory``.
    public func contactHistories(phones: [String], recent: Int, excluding campaign: String? = nil) async throws -> [String: ContactHistory] {
        // No real campaign before this one and no reply: nobody has a history (the first campaign
        // of an installation asks once instead of twice per 500 contacts).
        let anyHistory = try await read { db in
            try db.scalarInt("SELECT COUNT(*) FROM campaigns WHERE rehearsal = ? AND id <> ?", false, campaign ?? "") > 0
                || db.scalarInt("SELECT COUNT(*) FROM (SELECT 1 FROM replies LIMIT 1) AS anyReply") > 0
        }
        guard anyHistory else { return [:] }
        let unique = Array(Set(phones))
        // Not reserved for every phone: most contacts of a list have no history, and the room for
        // 100,000 was most of the preparation's peak memory.
        var histories: [String: ContactHistory] = [:]
        for chunk in unique.chunked(into: 500) {
            let part = try await read { db -> [String: ContactHistory] in
                var found: [String: ContactHistory] = [:]
                let list = db.placeholders(chunk.count)
                let phones = chunk.map { SQLValue.text($0) }
                try db.forEachRow("""
                    SELECT m.phone, m.campaignId, m.sentAt, m.deliveredAt, m.readAt, m.repliedAt
                    FROM messages m JOIN campaigns c ON c.id = m.campaignId
                    WHERE m.phone IN (\(list)) AND m.sentAt IS NOT NULL AND m.state <> 'failed' AND c.rehearsal = ? AND m.campaignId <> ?
                    ORDER BY m.phone, m.sentAt DESC
                    """, phones + [.bool(false), .text(campaign ?? "")]) { row in
                    let phone = try row.string(at: 0)
                    var history = found[phone] ?? ContactHistory()
                    let received = ContactHistory.Received(campaignId: try row.string(at: 1), sentAt: try row.date("sentAt"),
                                                           deliveredAt: row.optionalDate("deliveredAt"), readAt: row.optionalDate("readAt"),
                                                           repliedAt: row.optionalDate("repliedAt"))
                    if received.deliveredAt != nil || received.readAt != nil { history.everDelivered = true }
                    if let read = received.readAt, read > (history.lastReadAt ?? .distantPast) { history.lastReadAt = read }
                    if let replied = received.repliedAt, replied > (history.lastReplyAt ?? .distantPast) { history.lastReplyAt = replied }
                    if history.recent.count < recent { history.recent.append(received) }
                    found[phone] = history
                }
                // Replies filed under a rehearsal are left out; those under no campaign count.
                try db.forEachRow("""
                    SELECT r.phone, r.receivedAt FROM replies r LEFT JOIN campaigns c ON c.id = r.campaignId
                    WHERE r.phone IN (\(list)) AND (c.id IS NULL OR c.rehearsal = ?)
                    """, phones + [.bool(false)]) { row in
                    let phone = try row.string(at: 0)
                    guard let at = row.optionalDate("receivedAt") else { return }
                    var history = found[phone] ?? ContactHistory()
                    if at > (history.lastReplyAt ?? .distantPast) { history.lastReplyAt = at }
                    found[phone] = history
                }
                return found
            }
            histories.merge(part) { first, _ in first }
        }
        for phone in unique where histories[phone] == nil { histories[phone] = ContactHistory() }
        return histories
    }
}
