public import Foundation

extension SiaranDatabase {
    /// The message counts of one campaign, inside the caller's transaction.
    static func messageCounts(of campaign: String, in db: any SQLConnection) throws -> MessageCounts {
        try messageCounts(of: [campaign], in: db)[campaign] ?? MessageCounts()
    }

    /// The message counts of several campaigns at once; a campaign without messages is absent.
    static func messageCounts(of campaigns: [String], in db: any SQLConnection) throws -> [String: MessageCounts] {
        guard !campaigns.isEmpty else { return [:] }
        var result: [String: MessageCounts] = [:]
        for row in try db.query("""
            SELECT campaignId, state, count, replied FROM messageTallies WHERE campaignId IN (\(db.placeholders(campaigns.count))) AND count > 0
            """, campaigns.map(SQLValue.text)) {
            result[try row.string(at: 0), default: MessageCounts()].add(state: try row.string(at: 1), count: try row.int(at: 2), replied: try row.int(at: 3))
        }
        return result
    }

    /// The message counts of several campaigns, newest state as committed.
    public func messageCounts(of campaigns: [String]) async throws -> [String: MessageCounts] {
        try await read { db in try Self.messageCounts(of: campaigns, in: db) }
    }
}

/// The time of a message's latest step, the order a live campaign page lists messages in.
enum MessageActivity {
    static let sql = "COALESCE(readAt, deliveredAt, sentAt, failedAt)"
}

extension SiaranDatabase {
    public func messageCounts(of campaign: String) async throws -> MessageCounts {
        try await read { db in try Self.messageCounts(of: campaign, in: db) }
    }
}
