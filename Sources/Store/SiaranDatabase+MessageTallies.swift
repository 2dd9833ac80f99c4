public import GRDB

extension SiaranDatabase {
    /// v5: how many messages each campaign has in each state, kept by triggers in the same
    /// transaction as every insert, state change, reply and delete. Counting by `GROUP BY` over
    /// `messages` read every row: 0.6 s for a year of campaigns (1M messages), on every dashboard
    /// page and on every tick of every live tab. A tally row is one lookup, and it cannot drift
    /// from the messages because SQLite writes both or neither.
    static func createMessageTalliesSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE messageTallies (
              campaignId TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              state TEXT NOT NULL,
              count INTEGER NOT NULL,
              replied INTEGER NOT NULL,
              PRIMARY KEY (campaignId, state)
            ) WITHOUT ROWID;

            INSERT INTO messageTallies (campaignId, state, count, replied)
              SELECT campaignId, state, COUNT(*), SUM(repliedAt IS NOT NULL) FROM messages GROUP BY campaignId, state;

            CREATE TRIGGER messageTalliesInsert AFTER INSERT ON messages BEGIN
              INSERT INTO messageTallies (campaignId, state, count, replied)
                VALUES (NEW.campaignId, NEW.state, 1, NEW.repliedAt IS NOT NULL)
                ON CONFLICT (campaignId, state) DO UPDATE SET count = count + 1, replied = replied + excluded.replied;
            END;

            CREATE TRIGGER messageTalliesDelete AFTER DELETE ON messages BEGIN
              UPDATE messageTallies SET count = count - 1, replied = replied - (OLD.repliedAt IS NOT NULL)
                WHERE campaignId = OLD.campaignId AND state = OLD.state;
            END;

            CREATE TRIGGER messageTalliesUpdate AFTER UPDATE OF campaignId, state, repliedAt ON messages
            WHEN OLD.campaignId IS NOT NEW.campaignId OR OLD.state IS NOT NEW.state
              OR (OLD.repliedAt IS NULL) IS NOT (NEW.repliedAt IS NULL)
            BEGIN
              UPDATE messageTallies SET count = count - 1, replied = replied - (OLD.repliedAt IS NOT NULL)
                WHERE campaignId = OLD.campaignId AND state = OLD.state;
              INSERT INTO messageTallies (campaignId, state, count, replied)
                VALUES (NEW.campaignId, NEW.state, 1, NEW.repliedAt IS NOT NULL)
                ON CONFLICT (campaignId, state) DO UPDATE SET count = count + 1, replied = replied + excluded.replied;
            END;
            """)
    }

    /// The message counts of one campaign, inside the caller's transaction.
    public static func messageCounts(of campaign: String, in db: Database) throws -> MessageCounts {
        try messageCounts(of: [campaign], in: db)[campaign] ?? MessageCounts()
    }

    /// The message counts of several campaigns at once; a campaign without messages is absent.
    public static func messageCounts(of campaigns: [String], in db: Database) throws -> [String: MessageCounts] {
        guard !campaigns.isEmpty else { return [:] }
        var result: [String: MessageCounts] = [:]
        let marks = Array(repeating: "?", count: campaigns.count).joined(separator: ",")
        for row in try Row.fetchAll(db, sql: """
            SELECT campaignId, state, count, replied FROM messageTallies WHERE campaignId IN (\(marks)) AND count > 0
            """, arguments: StatementArguments(campaigns)) {
            result[row[0], default: MessageCounts()].add(state: row[1], count: row[2], replied: row[3])
        }
        return result
    }

    /// The message counts of several campaigns, newest state as committed.
    public func messageCounts(of campaigns: [String]) async throws -> [String: MessageCounts] {
        try await read { db in try Self.messageCounts(of: campaigns, in: db) }
    }
}

extension SiaranDatabase {
    /// The time of a message's latest step, the order a live campaign page lists messages in.
    public static let messageActivitySQL = "COALESCE(readAt, deliveredAt, sentAt, failedAt)"

    /// v6: two indexes for questions asked again and again.
    /// - `messagesByActivity`: each campaign's messages by their latest step, so the live page's
    ///   "recent messages" (asked on every progress event) reads ten entries instead of sorting the
    ///   whole campaign (10 ms per 10,000 messages before). Partial (messages that have a step), so
    ///   the planner never takes it for the sender's queries, which do not say so: an unrestricted
    ///   version made `nextMessages` scan the campaign and slowed the send loop by half.
    /// - `messagesBySessionSent`: the hourly and daily caps count a session's recent sends before
    ///   every message; without it that count scanned every message ever sent.
    static func createMessageIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX messagesByActivity ON messages(campaignId, \(messageActivitySQL)) WHERE \(messageActivitySQL) IS NOT NULL;
            CREATE INDEX messagesBySessionSent ON messages(session, sentAt);
            """)
    }
}
